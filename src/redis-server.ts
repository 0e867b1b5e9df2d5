/**
 * One run of the embedded `redis-server`: started, awaited until it accepts connections, stopped.
 * embedded-redis.ts decides when to start one (and again, after it died).
 *
 * The server is the daemon's, not the terminal's: it runs in its own session and process group
 * (`detached`), so the SIGINT of a Ctrl-C or a supervisor's `kill -TERM -PGID`, which go to the
 * daemon's whole group, never reach it, and the daemon stops it last. It also gets SIGTERM when
 * the daemon dies, even by SIGKILL (parent-death.ts), which flushes its AOF and ends it: a killed
 * daemon's Redis does not outlive it. Where that is not available, the pid file the server writes
 * lets the next start on the same state directory stop it (stopLeftover).
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFile, readlink } from 'node:fs/promises';
import { basename } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { settleWithin } from './core/deadline.js';
import { IngestError } from './errors.js';
import { dyingWithParent } from './parent-death.js';

export class EmbeddedRedisError extends IngestError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('EMBEDDED_REDIS', message, options);
  }
}

export interface ServerFiles {
  /** The server's directory: its AOF, socket and pid file. */
  readonly dir: string;
  readonly socketPath: string;
  readonly pidFile: string;
}

export interface RedisServer {
  readonly pid: number;
  /** Resolves with how the server ended ("exit code 1", "signal SIGKILL"). */
  readonly exited: Promise<string>;
  /** SIGTERM (it writes what it holds and exits), SIGKILL after `killAfterMs`; resolves once gone. */
  terminate(killAfterMs: number): Promise<void>;
}

/** Lines of the server's output kept for the error that says why it did not start. */
const KEPT_LINES = 50;
/** A server stopped before it was ready gets this long to end on SIGTERM. */
const ABORT_KILL_AFTER_MS = 2_000;
/** A leftover server gets this long to end on SIGTERM (it may be stopped, or hung). */
const LEFTOVER_KILL_AFTER_MS = 10_000;
const POLL_MS = 100;
const OUTPUT_WAIT_MS = 1_000;

/**
 * Starts a server on `files` and resolves once it accepts connections. Rejects when it exits
 * first, is not ready within `readyTimeoutMs` or `signal` aborts the start; the server is gone
 * by then.
 */
export async function startRedisServer(
  files: ServerFiles,
  options: { readyTimeoutMs: number; signal?: AbortSignal; onLog?: (line: string) => void },
): Promise<RedisServer> {
  const { command, args } = await dyingWithParent('redis-server', serverArgs(files), 'SIGTERM');
  if (options.signal?.aborted) {
    throw new EmbeddedRedisError(
      `redis-server for ${files.dir}: not started, the daemon is stopping`,
    );
  }
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const exited = new Promise<string>((resolve) => {
    child.once('exit', (code, signal) =>
      resolve(signal ? `signal ${signal}` : `exit code ${code}`),
    );
    // A spawn that failed (no redis-server on PATH) emits no exit.
    child.once('error', (error) => resolve(`failed to run: ${error.message}`));
  });
  // After the exit, once its output is read to the end.
  const closed = once(child, 'close').catch(() => undefined);
  const server: RedisServer = {
    pid: child.pid ?? 0,
    exited,
    async terminate(killAfterMs) {
      if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
      await exited;
      clearTimeout(timer);
    },
  };

  const lines: string[] = [];
  const ready = new Promise<void>((resolve) => {
    const onLine = (line: string) => {
      options.onLog?.(line);
      if (lines.length < KEPT_LINES) lines.push(line);
      if (/ready to accept connections/i.test(line)) resolve();
    };
    createInterface({ input: child.stdout }).on('line', onLine);
    createInterface({ input: child.stderr }).on('line', onLine);
  });
  // Cancels the losing waits below, so that no timer outlives the start.
  const settled = new AbortController();
  const cancelled = { signal: settled.signal };
  const stopRequested = options.signal ?? new AbortController().signal;
  const failure = await Promise.race([
    ready.then(() => undefined),
    exited.then((how) => `it ended (${how}) before it was ready`),
    sleep(options.readyTimeoutMs, undefined, cancelled).then(
      () => `it was not ready after ${options.readyTimeoutMs / 1000} s`,
      () => undefined,
    ),
    once(stopRequested, 'abort', cancelled).then(
      () => 'the daemon was asked to stop while it started',
      () => undefined,
    ),
  ]).finally(() => settled.abort());
  if (failure === undefined) return server;
  await server.terminate(ABORT_KILL_AFTER_MS);
  // Its last lines (why it ended) may still be on their way through the pipes.
  await settleWithin(closed, OUTPUT_WAIT_MS);
  const output = lines.length > 0 ? `:\n${lines.join('\n')}` : '';
  throw new EmbeddedRedisError(`redis-server for ${files.dir}: ${failure}${output}`);
}

function serverArgs(files: ServerFiles): string[] {
  // AOF (fsync every second) so that the queue and the per-file state survive a crash of either
  // process; noeviction so that Redis refuses writes rather than silently dropping state.
  return [
    ...['--port', '0', '--unixsocket', files.socketPath, '--unixsocketperm', '700'],
    ...['--dir', files.dir, '--pidfile', files.pidFile],
    ...['--appendonly', 'yes', '--appendfsync', 'everysec', '--save', ''],
    ...['--maxmemory-policy', 'noeviction', '--logfile', '', '--daemonize', 'no'],
  ];
}

/**
 * Stops a server left running on `files` by a daemon that died without stopping it (SIGTERM, which
 * flushes its AOF; SIGKILL if it has not ended after LEFTOVER_KILL_AFTER_MS). The pid file may be
 * stale and its pid reused: only a redis-server serving this very socket is stopped.
 *
 * A server whose parent still runs Node is not a leftover: it is the Redis of another daemon
 * running on the same state directory, and stopping it would have that daemon start it again,
 * with two servers writing one AOF. Start-up is refused instead. (A leftover's parent is gone:
 * it was adopted by init or a subreaper, never a Node process.)
 */
export async function stopLeftover(files: ServerFiles, signal?: AbortSignal): Promise<void> {
  let pid: number;
  try {
    pid = Number((await readFile(files.pidFile, 'utf8')).trim());
  } catch {
    return;
  }
  if (!Number.isInteger(pid) || pid <= 1 || !(await servesSocket(pid, files.socketPath))) return;
  const owner = await nodeParent(pid);
  if (owner !== undefined) {
    throw new EmbeddedRedisError(
      `the state directory's redis-server (pid ${pid}, ${files.dir}) belongs to the running process ${owner}: is another irods-ingestd running with this daemon.state_dir?`,
    );
  }
  process.kill(pid, 'SIGTERM');
  for (let waited = 0; await servesSocket(pid, files.socketPath); waited += POLL_MS) {
    if (signal?.aborted) return;
    if (waited === LEFTOVER_KILL_AFTER_MS) process.kill(pid, 'SIGKILL');
    await sleep(POLL_MS);
  }
}

/** Whether `pid` is a redis-server for `socketPath` (its title, or its arguments at first). */
async function servesSocket(pid: number, socketPath: string): Promise<boolean> {
  try {
    const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8');
    return cmdline.startsWith('redis-server') && cmdline.includes(socketPath);
  } catch {
    return false;
  }
}

/** The parent of `pid` when that is a running Node process, else undefined. */
async function nodeParent(pid: number): Promise<number | undefined> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    // The fields after the command name (which may hold spaces): state, then the parent's pid.
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    if (!(ppid > 1)) return undefined;
    return basename(await readlink(`/proc/${ppid}/exe`)).startsWith('node') ? ppid : undefined;
  } catch {
    return undefined;
  }
}
