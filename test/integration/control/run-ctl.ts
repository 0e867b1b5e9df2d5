/**
 * Runs `irods-ingestctl` from source as a child process (`node --import tsx src/ctl.ts`), the way
 * an operator's shell would, and collects its exit code and output. stdout is a pipe, so the
 * human output is the colourless one.
 */
import { execFile } from 'node:child_process';
import { join, resolve } from 'node:path';

const projectRoot = resolve(import.meta.dirname, '../../..');
const ctlTs = join(projectRoot, 'src/ctl.ts');

export interface CtlResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function runCtl(args: string[], env: Record<string, string> = {}): Promise<CtlResult> {
  const base = { ...process.env };
  delete base.IRODS_INGEST_SOCKET;
  delete base.NO_COLOR;
  return new Promise((resolvePromise) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', ctlTs, ...args],
      { cwd: projectRoot, env: { ...base, ...env }, timeout: 30_000 },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : null;
        resolvePromise({ code, stdout, stderr });
      },
    );
  });
}

/** Who runs `irods-ingestctl` in runCtlAs: ids, and the supplementary groups it has. */
export interface CtlUser {
  uid: number;
  gid: number;
  groups: number[];
}

/**
 * Runs `irods-ingestctl` as another user, without capabilities (setpriv; needs root), so that the
 * socket's mode and group decide, as they would for that user's shell.
 */
export function runCtlAs(user: CtlUser, args: string[]): Promise<CtlResult> {
  const base: NodeJS.ProcessEnv = { ...process.env, HOME: '/tmp' };
  delete base.IRODS_INGEST_SOCKET;
  const groups =
    user.groups.length === 0 ? ['--clear-groups'] : [`--groups=${user.groups.join(',')}`];
  const setpriv = [
    `--reuid=${user.uid}`,
    `--regid=${user.gid}`,
    ...groups,
    '--inh-caps=-all',
    '--bounding-set=-all',
    '--',
  ];
  return new Promise((resolvePromise) => {
    execFile(
      'setpriv',
      [...setpriv, process.execPath, '--import', 'tsx', ctlTs, ...args],
      { cwd: projectRoot, env: base, timeout: 30_000 },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : null;
        resolvePromise({ code, stdout, stderr });
      },
    );
  });
}
