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
