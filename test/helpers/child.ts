import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { dyingWithParent } from '../../src/parent-death.js';

/**
 * A service process started by a test helper. Every live child is killed when the test process
 * exits, and by the kernel when it dies without exiting (SIGKILL on parent death), so a failing
 * or interrupted test never leaves a server behind.
 */
export interface ServiceChild {
  readonly process: ChildProcess;
  /** Lines the child printed (stdout and stderr), newest last; for failure messages. */
  readonly output: string[];
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. */
  stop(graceMs?: number): Promise<void>;
  /** SIGKILL at once, like a crash; resolves once the process is gone. */
  kill(): Promise<void>;
}

const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

/**
 * Starts `command` and resolves when a line of its output matches `ready` (returning the match),
 * or rejects when it exits first or `timeoutMs` passes.
 */
export async function startChild(
  command: string,
  args: string[],
  ready: RegExp,
  { timeoutMs = 20_000, env }: { timeoutMs?: number; env?: NodeJS.ProcessEnv } = {},
): Promise<{ child: ServiceChild; match: RegExpMatchArray }> {
  const run = await dyingWithParent(command, args, 'SIGKILL');
  const proc = spawn(run.command, run.args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: env ?? process.env,
  });
  live.add(proc);
  const exited = new Promise<void>((resolve) => {
    proc.once('exit', () => {
      live.delete(proc);
      resolve();
    });
  });
  const output: string[] = [];
  const child: ServiceChild = {
    process: proc,
    output,
    async stop(graceMs = 5_000) {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      proc.kill('SIGTERM');
      const timer = setTimeout(() => proc.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
    async kill() {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      proc.kill('SIGKILL');
      await exited;
    },
  };

  const match = await new Promise<RegExpMatchArray>((resolve, reject) => {
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`${command} was not ready after ${timeoutMs} ms:\n${output.join('\n')}`));
    }, timeoutMs);
    const onLine = (line: string) => {
      output.push(line);
      if (output.length > 200) output.shift();
      const m = ready.exec(line);
      if (m) {
        clearTimeout(timer);
        resolve(m);
      }
    };
    createInterface({ input: proc.stdout }).on('line', onLine);
    createInterface({ input: proc.stderr }).on('line', onLine);
    proc.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(
        new Error(
          `${command} exited (${signal ?? code}) before it was ready:\n${output.join('\n')}`,
        ),
      );
    });
    proc.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
  return { child, match };
}
