/**
 * Runs the real daemon (src/main.ts, as `irods-ingestd --config FILE`) as a child process for
 * integration tests, with a config written from a small spec, and reads its JSON log lines.
 * Tests wait for log events (a pass summary, a stop) rather than sleeping.
 *
 * The daemon runs in its own process group, as under a terminal or a supervisor, so that a test
 * can signal the whole group (Ctrl-C). Nothing it started outlives the test: it dies with the
 * test process (SIGKILL on parent death), and after a kill or at clean-up the helper waits for
 * its embedded redis-server to end with it, killing it if it does not.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { dyingWithParent } from '../../src/parent-death.js';
import type { TestEmulator } from './emulator.js';
import { endRedisServers } from './processes.js';

const projectRoot = resolve(import.meta.dirname, '../..');
const mainTs = join(projectRoot, 'src/main.ts');

export interface JobSpec {
  name?: string;
  source: string;
  target: string;
  operation?: string;
  delete?: string;
  rescan_interval?: string;
  exclude?: string[];
  exclude_types?: string[];
  follow_symlinks?: boolean;
  checksum?: string;
  files_per_task?: number;
  metadata?: Record<string, string>;
  watch?: boolean | 'force';
  settle?: string;
  max_delete?: string | number;
  source_marker?: string;
  /** The `[job.s3]` table, for an `s3://` source. */
  s3?: Record<string, unknown>;
  max_attempts?: number;
  retry_delay?: string;
  retry_max_delay?: string;
  file_timeout?: string;
  handler?: string;
  physical_source?: string;
  resource?: string;
}

export interface IngestdSpec {
  emulator: TestEmulator;
  jobs: JobSpec[];
  /** `embedded` (default) or a redis URL (e.g. a TestRedis's `url`). */
  redisUrl?: string;
  /**
   * More `[redis]` keys, e.g. `{ cluster_nodes: [...] }` or `{ sentinels: [...],
   * sentinel_master: "..." }`; `url` is then left out unless `redisUrl` is given.
   */
  redis?: Record<string, unknown>;
  workers?: number;
  keyPrefix?: string;
  /** The iRODS user the daemon logs in as. @defaultValue "rods" */
  username?: string;
  /** The iRODS password written to the password file. @defaultValue "rods" */
  password?: string;
  /** `daemon.metrics_listen`, e.g. "127.0.0.1:0". @defaultValue off */
  metricsListen?: string;
  /** More `[daemon]` keys, e.g. `{ adhoc_sources: [...] }`. */
  daemon?: Record<string, unknown>;
  /** Runs before the first start, with the daemon's (still empty) state directory. */
  prepare?: (stateDir: string) => Promise<void>;
  /** `daemon.log_level`. @defaultValue "debug" */
  logLevel?: string;
  /** More environment for the daemon (e.g. CREDENTIALS_DIRECTORY). */
  env?: Record<string, string>;
}

/** One JSON log line of the daemon. */
export type LogEvent = Record<string, unknown> & { level: string; message: string };

export interface Ingestd {
  readonly dir: string;
  readonly configFile: string;
  readonly logs: LogEvent[];
  /** Resolves with the first log event (already seen or future) that `match` accepts. */
  waitFor(match: (event: LogEvent) => boolean, timeoutMs?: number): Promise<LogEvent>;
  /** Resolves with the summary event of `pass` of `job` (default: the first job). */
  passDone(pass: number, job?: string, timeoutMs?: number): Promise<LogEvent>;
  /** SIGTERM, then the exit code. */
  stop(): Promise<number | null>;
  /** The exit code once the daemon exits on its own (null when a signal ended it). */
  exit(): Promise<number | null>;
  /** SIGKILL, like a crash; resolves once the daemon and its embedded Redis are gone. */
  kill(): Promise<void>;
  /** Sends `signal` to the daemon's whole process group, as a terminal's Ctrl-C does. */
  signalGroup(signal: NodeJS.Signals): void;
  /** Starts the daemon again on the same config and state directory. */
  restart(): Promise<void>;
  /** The control socket in the config. */
  readonly socket: string;
  /** The daemon's process id (for SIGSTOP/SIGCONT in tests). */
  readonly pid: number | undefined;
  /** `daemon.state_dir`. */
  readonly stateDir: string;
  /** The embedded Redis's socket (with `redisUrl` "embedded"). */
  readonly embeddedRedisSocket: string;
  /** Ends what is left of the embedded Redis, then removes the temp directory. */
  cleanUp(): Promise<void>;
}

function toml(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(toml).join(', ')}]`;
  if (typeof value === 'object' && value !== null) {
    return `{ ${Object.entries(value)
      .map(([k, v]) => `${JSON.stringify(k)} = ${toml(v)}`)
      .join(', ')} }`;
  }
  return String(value);
}

export async function startIngestd(spec: IngestdSpec): Promise<Ingestd> {
  const dir = await mkdtemp(join(tmpdir(), 'ingestd-'));
  const passwordFile = join(dir, 'irods.password');
  await writeFile(passwordFile, spec.password ?? 'rods');
  await chmod(passwordFile, 0o600);
  const stateDir = join(dir, 'state');
  const embeddedRedisSocket = join(stateDir, 'redis', 'redis.sock');
  const lines = [
    '[daemon]',
    `state_dir = ${toml(stateDir)}`,
    `control_socket = ${toml(join(dir, 'ctl.sock'))}`,
    `workers = ${spec.workers ?? 4}`,
    `log_level = ${toml(spec.logLevel ?? 'debug')}`,
    `metrics_listen = ${toml(spec.metricsListen ?? '')}`,
    ...Object.entries(spec.daemon ?? {}).map(([key, value]) => `${key} = ${toml(value)}`),
    '[redis]',
    ...(spec.redis === undefined || spec.redisUrl !== undefined
      ? [`url = ${toml(spec.redisUrl ?? 'embedded')}`]
      : []),
    ...Object.entries(spec.redis ?? {}).map(([key, value]) => `${key} = ${toml(value)}`),
    `key_prefix = ${toml(spec.keyPrefix ?? 'ingest-test')}`,
    '[irods]',
    `url = ${toml(spec.emulator.url)}`,
    `username = ${toml(spec.username ?? 'rods')}`,
    `password_file = ${toml(passwordFile)}`,
    'zone = "tempZone"',
    'default_resource = "demoResc"',
  ];
  spec.jobs.forEach((job, i) => {
    lines.push('[[job]]');
    const full = { name: `job${i}`, rescan_interval: '0', watch: false, ...job };
    for (const [key, value] of Object.entries(full)) lines.push(`${key} = ${toml(value)}`);
  });
  const configFile = join(dir, 'ingestd.toml');
  await writeFile(configFile, `${lines.join('\n')}\n`);

  const logs: LogEvent[] = [];
  const waiters: { match: (e: LogEvent) => boolean; resolve: (e: LogEvent) => void }[] = [];
  let child: ChildProcess;
  let exited: Promise<number | null>;
  const daemonCommand = await dyingWithParent(
    process.execPath,
    ['--import', 'tsx', mainTs, '--config', configFile],
    'SIGKILL',
  );
  const launch = () => {
    child = spawn(daemonCommand.command, daemonCommand.args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
      ...(spec.env === undefined ? {} : { env: { ...process.env, ...spec.env } }),
    });
    exited = new Promise((resolveExit) => child.once('exit', (code) => resolveExit(code)));
    const onLine = (line: string) => {
      let event: LogEvent;
      try {
        event = JSON.parse(line) as LogEvent;
      } catch {
        event = { level: 'raw', message: line };
      }
      logs.push(event);
      for (const waiter of [...waiters]) {
        if (waiter.match(event)) {
          waiters.splice(waiters.indexOf(waiter), 1);
          waiter.resolve(event);
        }
      }
    };
    createInterface({ input: child.stdout! }).on('line', onLine);
    createInterface({ input: child.stderr! }).on('line', onLine);
  };
  await spec.prepare?.(stateDir);
  launch();
  process.on('exit', () => child.kill('SIGKILL'));
  const running = () => child.exitCode === null && child.signalCode === null;

  const firstJob = spec.jobs[0]?.name ?? 'job0';
  const handle: Ingestd = {
    dir,
    configFile,
    logs,
    socket: join(dir, 'ctl.sock'),
    stateDir,
    embeddedRedisSocket,
    get pid() {
      return child.pid;
    },
    waitFor(match, timeoutMs = 60_000) {
      const seen = logs.find(match);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolveWait, reject) => {
        const timer = setTimeout(() => {
          reject(
            new Error(
              `no matching log event in ${timeoutMs} ms; last lines:\n${logs
                .slice(-15)
                .map((e) => e.message)
                .join('\n')}`,
            ),
          );
        }, timeoutMs);
        waiters.push({
          match,
          resolve: (event) => {
            clearTimeout(timer);
            resolveWait(event);
          },
        });
      });
    },
    passDone(pass, job = firstJob, timeoutMs) {
      return handle.waitFor(
        (e) => e.job === job && e.pass === pass && e.durationMs !== undefined,
        timeoutMs,
      );
    },
    async stop() {
      if (running()) child.kill('SIGTERM');
      return exited;
    },
    exit() {
      return exited;
    },
    async kill() {
      if (running()) child.kill('SIGKILL');
      await exited;
      await endRedisServers(embeddedRedisSocket);
    },
    signalGroup(signal) {
      process.kill(-child.pid!, signal);
    },
    async restart() {
      launch();
      await Promise.resolve();
    },
    async cleanUp() {
      await endRedisServers(embeddedRedisSocket);
      await rm(dir, { recursive: true, force: true });
    },
  };
  return handle;
}
