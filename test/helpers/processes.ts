/**
 * Finding and ending the processes a test started, by what /proc says about them: a daemon that
 * a test killed with SIGKILL could not stop its embedded redis-server, so the test does.
 */
import { readdir, readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';

/** The pids of the running redis-servers that serve `socketPath` (the embedded Redis's). */
export async function redisServersServing(socketPath: string): Promise<number[]> {
  const pids: number[] = [];
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const cmdline = await readFile(`/proc/${name}/cmdline`, 'utf8').catch(() => '');
    // Its title once it runs ("redis-server unixsocket:PATH"), its arguments before.
    if (cmdline.startsWith('redis-server') && cmdline.includes(socketPath)) pids.push(Number(name));
  }
  return pids;
}

/** Whether `pid` is still running (a zombie, already ended but not reaped, does not count). */
export async function isRunning(pid: number): Promise<boolean> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
  if (stat === undefined) return false;
  // The state letter follows the command name in parentheses, which may itself hold spaces.
  return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
}

/**
 * Waits up to `graceMs` for the redis-servers of `socketPath` to end on their own (a daemon's
 * embedded Redis gets SIGTERM when the daemon dies), then kills what is left. Returns the pids
 * that had to be killed.
 */
export async function endRedisServers(socketPath: string, graceMs = 10_000): Promise<number[]> {
  const deadline = Date.now() + graceMs;
  let left = await redisServersServing(socketPath);
  while (left.length > 0 && Date.now() < deadline) {
    await sleep(100);
    left = await redisServersServing(socketPath);
  }
  for (const pid of left) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Ended meanwhile.
    }
  }
  return left;
}
