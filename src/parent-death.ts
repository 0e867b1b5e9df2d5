/**
 * Child processes that end with their parent, however the parent ends (SIGKILL included).
 *
 * Linux delivers a chosen signal to a process when its parent dies, once the process asked for it
 * with prctl(PR_SET_PDEATHSIG). Node cannot make that call between fork and exec, but util-linux's
 * setpriv(1) can (`setpriv --pdeathsig SIGTERM -- command ...`, util-linux 2.33 and later): it sets
 * the signal and execs the command, so the child keeps setpriv's pid and no extra process stays
 * around. The signal follows the thread that spawned the child; Node spawns from its main thread,
 * which lives as long as the process.
 *
 * Where setpriv is missing or too old the command runs as it is, and the caller's other safety
 * nets (the embedded Redis's pid file, found at the next start) still apply.
 */
import { execFile } from 'node:child_process';

export interface Command {
  readonly command: string;
  readonly args: readonly string[];
}

let support: Promise<boolean> | undefined;

/** Whether this host's setpriv takes --pdeathsig (asked once per process). */
function setprivSupport(): Promise<boolean> {
  support ??= new Promise((resolve) => {
    execFile('setpriv', ['--help'], { timeout: 5_000 }, (error, stdout) => {
      resolve(error === null && stdout.includes('--pdeathsig'));
    });
  });
  return support;
}

/** `command args` such that it receives `signal` when this process dies. */
export async function dyingWithParent(
  command: string,
  args: readonly string[],
  signal: 'SIGTERM' | 'SIGKILL',
): Promise<Command> {
  if (!(await setprivSupport())) return { command, args };
  return { command: 'setpriv', args: ['--pdeathsig', signal, '--', command, ...args] };
}
