import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startChild, type ServiceChild } from './child.js';

/** A private redis-server for one test file, reachable only through its unix socket. */
export interface TestRedis {
  /** `unix://` URL, as the daemon's `redis.url` takes it. */
  readonly url: string;
  readonly socketPath: string;
  readonly dir: string;
  /** The server's process id (for SIGSTOP/SIGCONT: a stalled Redis). */
  readonly pid: number | undefined;
  /** Kills the server (SIGKILL, like a crash) and starts it again on the same socket and data. */
  restart(): Promise<void>;
  /** Stops the server and removes its directory. */
  stop(): Promise<void>;
}

/**
 * Starts `redis-server` in a new temporary directory. Without `persistence` nothing is written to
 * disk; with it, AOF is on (fsync every second, as in production) so a restart keeps the data.
 */
export async function startRedis({ persistence = false } = {}): Promise<TestRedis> {
  const dir = await mkdtemp(join(tmpdir(), 'ingest-redis-'));
  const socketPath = join(dir, 'redis.sock');
  const args = [
    '--port',
    '0',
    '--unixsocket',
    socketPath,
    '--unixsocketperm',
    '700',
    '--dir',
    dir,
    '--save',
    '',
    '--appendonly',
    persistence ? 'yes' : 'no',
    '--maxmemory-policy',
    'noeviction',
    '--logfile',
    '',
  ];
  const launch = async () =>
    (await startChild('redis-server', args, /ready to accept connections/i)).child;
  let child: ServiceChild = await launch();
  return {
    url: `unix://${socketPath}`,
    socketPath,
    dir,
    get pid() {
      return child.process.pid;
    },
    async restart() {
      await child.kill();
      child = await launch();
    },
    async stop() {
      await child.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
