/**
 * `redis.url = "embedded"`: a private redis-server child under the daemon's state directory,
 * reachable only through a unix socket (mode 700), with AOF on (fsync every second) so the queue
 * and the per-file state survive a crash of either process, and noeviction so Redis refuses
 * writes rather than silently dropping state.
 *
 * A daemon killed with SIGKILL cannot stop its child, so the child writes a pid file; the next
 * start stops a leftover server of the same directory (SIGTERM, which flushes the AOF) before
 * starting its own on the same data.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { IngestError } from './errors.js';

export class EmbeddedRedisError extends IngestError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('EMBEDDED_REDIS', message, options);
  }
}

export interface EmbeddedRedis {
  readonly socketPath: string;
  /** Stops the server (SIGTERM: it writes what it holds and exits), then resolves. */
  stop(): Promise<void>;
}

export interface EmbeddedRedisOptions {
  stateDir: string;
  /** Receives the server's own log lines. */
  onLog?: (line: string) => void;
  readyTimeoutMs?: number;
}

export async function startEmbeddedRedis(options: EmbeddedRedisOptions): Promise<EmbeddedRedis> {
  const dir = join(options.stateDir, 'redis');
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const socketPath = join(dir, 'redis.sock');
  const pidFile = join(dir, 'redis.pid');
  await stopLeftover(pidFile);

  const args = [
    '--port',
    '0',
    '--unixsocket',
    socketPath,
    '--unixsocketperm',
    '700',
    '--dir',
    dir,
    '--pidfile',
    pidFile,
    '--appendonly',
    'yes',
    '--appendfsync',
    'everysec',
    '--save',
    '',
    '--maxmemory-policy',
    'noeviction',
    '--logfile',
    '',
    '--daemonize',
    'no',
  ];
  let child: ChildProcess;
  try {
    child = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    throw new EmbeddedRedisError(`starting redis-server for ${dir} failed`, { cause: error });
  }
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const lines: string[] = [];
  const ready = new Promise<void>((resolve, reject) => {
    const onLine = (line: string) => {
      options.onLog?.(line);
      if (lines.length < 50) lines.push(line);
      if (/ready to accept connections/i.test(line)) resolve();
    };
    createInterface({ input: child.stdout! }).on('line', onLine);
    createInterface({ input: child.stderr! }).on('line', onLine);
    child.once('error', (error) =>
      reject(
        new EmbeddedRedisError(`starting redis-server for ${dir} failed: ${error.message}`, {
          cause: error,
        }),
      ),
    );
    void exited.then((code) =>
      reject(
        new EmbeddedRedisError(
          `redis-server for ${dir} exited (${code}) before it was ready:\n${lines.join('\n')}`,
        ),
      ),
    );
  });
  const timeoutMs = options.readyTimeoutMs ?? 30_000;
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  try {
    await ready;
  } finally {
    clearTimeout(timer);
  }

  let stopping: Promise<void> | undefined;
  return {
    socketPath,
    stop() {
      stopping ??= (async () => {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
        await exited;
      })();
      return stopping;
    },
  };
}

/** Stops a server left running by a daemon that died without stopping it. */
async function stopLeftover(pidFile: string): Promise<void> {
  let pid: number;
  try {
    pid = Number((await readFile(pidFile, 'utf8')).trim());
  } catch {
    return;
  }
  if (!Number.isInteger(pid) || pid <= 1 || !(await isRedisServer(pid))) return;
  process.kill(pid, 'SIGTERM');
  for (let waited = 0; waited < 30_000 && (await isRedisServer(pid)); waited += 100) {
    await sleep(100);
  }
}

async function isRedisServer(pid: number): Promise<boolean> {
  try {
    const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8');
    return cmdline.startsWith('redis-server');
  } catch {
    return false;
  }
}
