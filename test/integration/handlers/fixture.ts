/**
 * What the event handler tests share: handler modules written for a test (with a file their
 * hooks append events to), the events read back, the failure list and a data object's replicas.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { IrodsClient } from '../../../src/irods/index.js';
import type { Ingestd } from '../../helpers/ingestd.js';
import { ctlJson } from '../sync/safety.js';

/** One hook call as the recording handlers write it. */
export interface HookCall {
  hook: string;
  /** The logical path (action hooks). */
  path?: string;
  /** The entry's relative path (action hooks). */
  rel?: string;
  /** The pass (pass hooks). */
  pass?: number;
  counts?: Record<string, number>;
}

/**
 * Module text that defines `record(hook)`: a hook that appends its call to `events`, and
 * `recordAll`: every action and pass hook recording.
 */
export function recorder(events: string): string {
  return `import { appendFileSync } from 'node:fs';
const record = (hook) => (ctx) => {
  const call = ctx.file
    ? { hook, path: ctx.path, rel: ctx.file.relativePath }
    : { hook, pass: ctx.pass, counts: ctx.counts };
  appendFileSync(${JSON.stringify(events)}, JSON.stringify(call) + '\\n');
};
const HOOKS = ['DataObjCreate', 'DataObjModify', 'DataObjDelete', 'CollCreate', 'CollDelete', 'Pass'];
const recordAll = Object.fromEntries(
  HOOKS.flatMap((event) => [['pre' + event, record('pre' + event)], ['post' + event, record('post' + event)]]),
);
`;
}

/** Writes a handler module into `dir`; returns its path. */
export async function handlerModule(dir: string, text: string, name = 'site.mjs'): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, text);
  return path;
}

export async function readCalls(events: string): Promise<HookCall[]> {
  const text = await readFile(events, 'utf8').catch(() => '');
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as HookCall);
}

/** How often each `hook rel` pair was called, e.g. { "preDataObjCreate a.txt": 1 }. */
export function tally(calls: readonly HookCall[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const call of calls) {
    const key = call.rel === undefined ? `${call.hook} ${call.pass}` : `${call.hook} ${call.rel}`;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}

export interface Failure {
  path: string;
  message: string;
  attempts: number;
}

export async function failuresOf(daemon: Ingestd, job: string): Promise<Failure[]> {
  const { failures } = await ctlJson<{ failures: Failure[] }>(daemon, 'failures', job);
  return failures;
}

/** The data object's replicas: resource and physical path (DATA_PATH), by replica number. */
export async function replicasOf(
  client: IrodsClient,
  path: string,
): Promise<{ resource: string; physicalPath: string }[]> {
  const slash = path.lastIndexOf('/');
  const rows = await client.query.rows({
    select: ['DATA_REPL_NUM', 'DATA_RESC_NAME', 'DATA_PATH'],
    where: [
      { column: 'COLL_NAME', op: '=', value: path.slice(0, slash) },
      { column: 'DATA_NAME', op: '=', value: path.slice(slash + 1) },
    ],
  });
  return rows
    .sort((a, b) => Number(a.DATA_REPL_NUM) - Number(b.DATA_REPL_NUM))
    .map((row) => ({ resource: row.DATA_RESC_NAME, physicalPath: row.DATA_PATH }));
}
