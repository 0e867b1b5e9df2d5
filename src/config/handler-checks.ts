/**
 * The jobs' handler modules, checked when the config is loaded (`--check-config`, start,
 * reload): each must exist, be a regular file that nobody but root and the daemon's user could
 * change (the module and every directory above it, as sshd and sudo check their files: its code
 * runs with the daemon's rights), and import cleanly with a default export of known members.
 * The import itself is src/handlers/'s, brought in by the caller: config/ may not import it.
 */
import { stat } from 'node:fs/promises';
import { handlerProblem } from '../core/job-rules.js';
import type { Finding } from './issues.js';
import { isTable, type Table } from './merge.js';
import { resolveTrusted } from './trusted-path.js';

/** How the config loader has the jobs' handler modules imported. */
export interface HandlerLoading {
  /** The daemon's user: with root, the only one trusted to own a handler module. */
  readonly uid: number;
  /**
   * Imports the module a job names at `path`, which resolves to `real` (found trusted): what is
   * wrong with it, or nothing.
   */
  load(path: string, real: string): Promise<readonly string[]>;
}

export async function handlerFindings(data: Table, loading: HandlerLoading): Promise<Finding[]> {
  const jobs = Array.isArray(data.job) ? data.job : [];
  const byPath = new Map<string, Promise<readonly string[]>>();
  const findings: Finding[] = [];
  for (const [index, job] of jobs.entries()) {
    if (!isTable(job)) continue;
    const path = job.handler;
    // A path of the wrong shape is the schema's to report.
    if (typeof path !== 'string' || path === '' || handlerProblem(path) !== undefined) continue;
    let problems = byPath.get(path);
    if (problems === undefined) {
      problems = moduleProblems(path, loading);
      byPath.set(path, problems);
    }
    for (const message of await problems) {
      findings.push({ path: ['job', index, 'handler'], message });
    }
  }
  return findings;
}

async function moduleProblems(path: string, loading: HandlerLoading): Promise<readonly string[]> {
  const resolution = await resolveTrusted(path, loading.uid);
  if ('error' in resolution) {
    const { code, message } = resolution.error;
    return code === 'ENOENT' || code === 'ENOTDIR'
      ? [`${path} does not exist`]
      : [`${path} cannot be read: ${message}`];
  }
  if (resolution.untrusted !== undefined) {
    return [
      `${path} is refused: ${resolution.untrusted}; handler code runs with the daemon's rights, so nobody else may be able to change it`,
    ];
  }
  const info = await stat(resolution.real).catch(() => undefined);
  if (info?.isFile() !== true) return [`${path} is not a regular file`];
  return loading.load(path, resolution.real);
}
