/**
 * `redis.url = "embedded"`: a private redis-server child under the daemon's state directory,
 * reachable only through a unix socket (mode 700), with AOF on (redis-server.ts), kept running
 * for as long as the daemon runs.
 *
 * - Start: a server left running on the same directory by a daemon that was killed is stopped
 *   first (its pid file), then ours starts on the same data.
 * - A server that exits while the daemon runs (killed, OOM, crashed) is started again on the same
 *   data (its AOF), and the daemon's connections reconnect to the same socket; `onRestart` says
 *   so. One that cannot be started again (its data is unreadable, it is not ready within
 *   RESTART_READY_TIMEOUT_MS) or dies again within STABLE_AFTER_MS of a restart is lost:
 *   `onLost` gets the reason, and the daemon stops with an error so that its supervisor
 *   (systemd's Restart=on-failure) takes over. Nobody waits for a Redis that nobody will start.
 * - Stop: last of all the daemon's steps (SIGTERM: the server writes what it holds and exits).
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { messageOf } from './errors.js';
import {
  EmbeddedRedisError,
  startRedisServer,
  stopLeftover,
  type RedisServer,
  type ServerFiles,
} from './redis-server.js';

export { EmbeddedRedisError } from './redis-server.js';

export interface EmbeddedRedis {
  readonly socketPath: string;
  /** The running server's process id (it changes when the server is started again). */
  readonly pid: number;
  /** Stops the server (SIGTERM, SIGKILL after STOP_KILL_AFTER_MS) and resolves once it is gone. */
  stop(): Promise<void>;
}

export interface EmbeddedRedisOptions {
  readonly stateDir: string;
  /** Receives the server's own log lines. */
  readonly onLog?: (line: string) => void;
  /** The server exited on its own and was started again on its data; says how and why. */
  readonly onRestart?: (message: string) => void;
  /** The server exited on its own and could not be started again. */
  readonly onLost?: (error: EmbeddedRedisError) => void;
  /** Stops a start that is still under way (the server is gone when the start rejects). */
  readonly signal?: AbortSignal;
  /** @defaultValue 30 s */
  readonly readyTimeoutMs?: number;
}

/** A restarted server must become ready within this; the daemon stops with an error otherwise. */
const RESTART_READY_TIMEOUT_MS = 15_000;
/** A server that dies again this soon after a restart is not restarted a second time. */
const STABLE_AFTER_MS = 30_000;
/** How long the server may take to end on SIGTERM before it is killed. */
const STOP_KILL_AFTER_MS = 10_000;

export async function startEmbeddedRedis(options: EmbeddedRedisOptions): Promise<EmbeddedRedis> {
  const dir = join(options.stateDir, 'redis');
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const files: ServerFiles = {
    dir,
    socketPath: join(dir, 'redis.sock'),
    pidFile: join(dir, 'redis.pid'),
  };
  await stopLeftover(files, options.signal);
  const first = await startRedisServer(files, {
    readyTimeoutMs: options.readyTimeoutMs ?? 30_000,
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.onLog ? { onLog: options.onLog } : {}),
  });
  return new SupervisedServer(files, first, options);
}

class SupervisedServer implements EmbeddedRedis {
  readonly #files: ServerFiles;
  readonly #options: EmbeddedRedisOptions;
  #server: RedisServer;
  /** When the running server was started again; undefined for the first one. */
  #restartedAt: number | undefined;
  /** Aborts a restart under way when the daemon stops. */
  readonly #stopping = new AbortController();
  #restarting: Promise<void> | undefined;
  #stopped: Promise<void> | undefined;

  constructor(files: ServerFiles, first: RedisServer, options: EmbeddedRedisOptions) {
    this.#files = files;
    this.#options = options;
    this.#server = first;
    this.#watch(first);
  }

  get socketPath(): string {
    return this.#files.socketPath;
  }

  get pid(): number {
    return this.#server.pid;
  }

  stop(): Promise<void> {
    this.#stopped ??= (async () => {
      this.#stopping.abort();
      await this.#restarting;
      await this.#server.terminate(STOP_KILL_AFTER_MS);
    })();
    return this.#stopped;
  }

  #watch(server: RedisServer): void {
    void server.exited.then((how) => {
      if (this.#stopping.signal.aborted) return;
      this.#restarting = this.#restart(how);
    });
  }

  async #restart(how: string): Promise<void> {
    const { dir } = this.#files;
    const died = performance.now();
    if (this.#restartedAt !== undefined && died - this.#restartedAt < STABLE_AFTER_MS) {
      const after = Math.round((died - this.#restartedAt) / 1000);
      this.#lose(`redis-server for ${dir} ended (${how}) again ${after} s after it was restarted`);
      return;
    }
    let server: RedisServer;
    try {
      server = await startRedisServer(this.#files, {
        readyTimeoutMs: RESTART_READY_TIMEOUT_MS,
        signal: this.#stopping.signal,
        ...(this.#options.onLog ? { onLog: this.#options.onLog } : {}),
      });
    } catch (error) {
      if (this.#stopping.signal.aborted) return;
      this.#lose(
        `redis-server for ${dir} ended (${how}) and could not be started again: ${messageOf(error)}`,
      );
      return;
    }
    this.#server = server;
    this.#restartedAt = performance.now();
    this.#options.onRestart?.(
      `redis-server for ${dir} ended (${how}) while the daemon ran; started again on its data in ${Math.round(this.#restartedAt - died)} ms (pid ${server.pid})`,
    );
    this.#watch(server);
  }

  #lose(message: string): void {
    this.#options.onLost?.(new EmbeddedRedisError(message));
  }
}
