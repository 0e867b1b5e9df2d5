/**
 * The inotify limits as the kernel keeps them: `fs.inotify.max_user_watches` per user,
 * `fs.inotify.max_queued_events` per instance, and the watches that user's processes hold now
 * (each inotify instance lists its watches as `inotify wd:` lines in /proc/PID/fdinfo/FD). Reads
 * only; a /proc that cannot be read gives "unknown".
 */
import { readdir, readFile, readlink } from 'node:fs/promises';

/** fs.inotify.max_user_watches: watches per user. */
export function readWatchLimit(): Promise<number | undefined> {
  return readLimit('max_user_watches');
}

/** fs.inotify.max_queued_events: events the kernel holds per instance before it drops them. */
export function readQueuedEventsLimit(): Promise<number | undefined> {
  return readLimit('max_queued_events');
}

async function readLimit(name: string): Promise<number | undefined> {
  try {
    const text = await readFile(`/proc/sys/fs/inotify/${name}`, 'utf8');
    const limit = Number(text.trim());
    return Number.isSafeInteger(limit) ? limit : undefined;
  } catch {
    return undefined;
  }
}

/** Watches held by the processes of user `uid` that this process may look into. */
export async function watchesInUse(uid: number): Promise<number> {
  let pids: string[];
  try {
    pids = (await readdir('/proc')).filter((name) => /^\d+$/.test(name));
  } catch {
    return 0;
  }
  let total = 0;
  for (const pid of pids) {
    if (!(await ownedBy(pid, uid))) continue;
    total += await watchesOfProcess(pid);
  }
  return total;
}

/** Watches held by one process (`self` for this one). */
export async function watchesOfProcess(pid: string): Promise<number> {
  let fds: string[];
  try {
    fds = await readdir(`/proc/${pid}/fd`);
  } catch {
    return 0;
  }
  let total = 0;
  for (const fd of fds) {
    try {
      if ((await readlink(`/proc/${pid}/fd/${fd}`)) !== 'anon_inode:inotify') continue;
      const info = await readFile(`/proc/${pid}/fdinfo/${fd}`, 'utf8');
      total += info.split('\n').filter((line) => line.startsWith('inotify wd:')).length;
    } catch {
      // The fd closed while we looked.
    }
  }
  return total;
}

async function ownedBy(pid: string, uid: number): Promise<boolean> {
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const line = status.split('\n').find((l) => l.startsWith('Uid:'));
    return line !== undefined && Number(line.split(/\s+/)[1]) === uid;
  } catch {
    return false;
  }
}
