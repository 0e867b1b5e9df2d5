/**
 * Runs the real daemon for the sync benchmarks as it is installed: built (dist/, see
 * buildDaemon) and started by its launcher, `scripts/irods-ingestd --config FILE`, with the V8
 * flags it is installed with. Not src/main.ts through tsx: tsx's loader and transpiled sources
 * add some 90 MiB of resident memory, and the pass rates measured from source were 10-25% lower
 * and noisier than those of the installed daemon on the same tree. Unlike test/helpers/ingestd.ts it logs at info, as production does: at debug every file costs
 * a log line, which would be measured too. Its JSON log lines are read for the pass summaries,
 * whose `durationMs` (pass start to pass end, as the daemon records them) is what gets timed.
 */
import { execFileSync, spawn } from 'node:child_process';
import { chmod, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';

const projectRoot = resolve(import.meta.dirname, '../..');
const launcher = join(projectRoot, 'scripts/irods-ingestd');

/** `npm run build`, once before the daemon is benchmarked: dist/ is what startBenchDaemon runs. */
export function buildDaemon(): void {
  const tsc = join(projectRoot, 'node_modules/typescript/bin/tsc');
  execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], {
    cwd: projectRoot,
    stdio: 'inherit',
  });
}

export interface BenchJob {
  source: string;
  target: string;
  operation: string;
  /** "0" for one pass; anything else passes again after that long. */
  rescanInterval: string;
  /** Watch the source (default false). */
  watch?: boolean;
  settle?: string;
  /** The job's `resource` (an S3 resource for an S3 register job). */
  resource?: string;
  /** The `[job.s3]` table of an `s3://` source. */
  s3?: { endpoint: string; credentialsFile: string };
  /** An event handler module (default none). */
  handler?: string;
}

export interface BenchDaemonSpec {
  workDir: string;
  irodsUrl: string;
  redisUrl: string;
  workers: number;
  job: BenchJob;
  /** info unless given: at debug every file costs a log line. */
  logLevel?: string;
}

/** The fields of a pass summary log line (src/core/pass-summary.ts) that the benchmarks read. */
export interface PassEvent {
  pass: number;
  seen: number;
  new: number;
  updated: number;
  failed: number;
  durationMs: number;
}

export interface BenchDaemon {
  readonly pid: number;
  /** Resolves with the summary of pass `pass`; rejects if the daemon exits first. */
  passDone(pass: number): Promise<PassEvent>;
  /** Resolves with the first JSON log line (seen before or later) that `match` accepts. */
  waitFor(match: (event: LogLine) => boolean): Promise<LogLine>;
  /** Calls `listener` with every JSON log line from now on, with the time it arrived. */
  onLine(listener: (event: LogLine, arrivedAt: number) => void): void;
  /** Resident memory of the daemon's process now (or its peak, `VmHWM`), in bytes. */
  rss(field?: 'VmRSS' | 'VmHWM'): Promise<number>;
  /** Asks for a pass of the job now (`irods-ingestctl rescan bench`, through the socket). */
  rescan(): Promise<void>;
  /** The job's status (`irods-ingestctl job bench`): its pass and the batches it has queued. */
  status(): Promise<{ pass: number; queued: number }>;
  /** SIGTERM, then the exit code. */
  stop(): Promise<number | null>;
}

export type LogLine = Record<string, unknown> & { message: string };

export async function startBenchDaemon(spec: BenchDaemonSpec): Promise<BenchDaemon> {
  const dir = await mkdtemp(join(spec.workDir, 'ingestd-'));
  const passwordFile = join(dir, 'irods.password');
  await writeFile(passwordFile, 'rods');
  await chmod(passwordFile, 0o600);
  const q = JSON.stringify;
  const socket = join(dir, 'ctl.sock');
  const configFile = join(dir, 'ingestd.toml');
  await writeFile(
    configFile,
    [
      '[daemon]',
      `state_dir = ${q(join(dir, 'state'))}`,
      `control_socket = ${q(socket)}`,
      `workers = ${spec.workers}`,
      `log_level = ${q(spec.logLevel ?? 'info')}`,
      '[redis]',
      `url = ${q(spec.redisUrl)}`,
      'key_prefix = "bench"',
      '[irods]',
      `url = ${q(spec.irodsUrl)}`,
      'username = "rods"',
      `password_file = ${q(passwordFile)}`,
      'zone = "tempZone"',
      'default_resource = "demoResc"',
      '[[job]]',
      'name = "bench"',
      `source = ${q(spec.job.source)}`,
      `target = ${q(spec.job.target)}`,
      `operation = ${q(spec.job.operation)}`,
      `rescan_interval = ${q(spec.job.rescanInterval)}`,
      `watch = ${spec.job.watch ?? false}`,
      `settle = ${q(spec.job.settle ?? '2s')}`,
      ...(spec.job.resource === undefined ? [] : [`resource = ${q(spec.job.resource)}`]),
      `handler = ${q(spec.job.handler ?? '')}`,
      // Sub-tables last: every key after `[job.s3]` belongs to it.
      ...(spec.job.s3 === undefined
        ? []
        : [
            '[job.s3]',
            `endpoint = ${q(spec.job.s3.endpoint)}`,
            'path_style = true',
            `credentials_file = ${q(spec.job.s3.credentialsFile)}`,
          ]),
      '',
    ].join('\n'),
  );

  const child = spawn(launcher, ['--config', configFile], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  const passes = new Map<number, PassEvent>();
  const waiters = new Map<number, (event: PassEvent) => void>();
  const tail: string[] = [];
  const kept: LogLine[] = [];
  const listeners: ((event: LogLine, arrivedAt: number) => void)[] = [];
  const onLine = (line: string) => {
    const arrivedAt = performance.now();
    tail.push(line);
    if (tail.length > 20) tail.shift();
    let event: Partial<PassEvent> & { job?: string };
    try {
      event = JSON.parse(line) as typeof event;
    } catch {
      return;
    }
    for (const listener of listeners) listener(event as unknown as LogLine, arrivedAt);
    if (event.job === 'bench' && event.pass !== undefined && event.durationMs !== undefined) {
      passes.set(event.pass, event as PassEvent);
      waiters.get(event.pass)?.(event as PassEvent);
    }
  };
  createInterface({ input: child.stdout }).on('line', onLine);
  createInterface({ input: child.stderr }).on('line', onLine);
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);

  listeners.push((event) => {
    // Only what waitFor may be asked about is kept: per-file debug lines would pile up.
    if (!/^(upload|register|record-only) /.test(event.message)) kept.push(event);
  });
  return {
    pid: child.pid!,
    waitFor(match) {
      const found = kept.find(match);
      if (found) return Promise.resolve(found);
      return new Promise((done, reject) => {
        listeners.push((event) => {
          if (match(event)) done(event);
        });
        void exited.then((code) =>
          reject(new Error(`the daemon exited (${code}) while waited for:\n${tail.join('\n')}`)),
        );
      });
    },
    onLine(listener) {
      listeners.push(listener);
    },
    async rss(field = 'VmRSS') {
      const status = await readFile(`/proc/${child.pid}/status`, 'utf8');
      const kib = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1];
      if (kib === undefined) throw new Error(`no ${field} for the daemon (pid ${child.pid})`);
      return Number(kib) * 1024;
    },
    status() {
      return new Promise((done, reject) => {
        const req = request(
          { socketPath: socket, method: 'GET', path: '/v1/jobs/bench' },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (chunk: Buffer) => chunks.push(chunk));
            res.once('end', () => {
              if (res.statusCode !== 200) reject(new Error(`status: HTTP ${res.statusCode}`));
              else done(JSON.parse(Buffer.concat(chunks).toString('utf8')) as never);
            });
          },
        );
        req.once('error', reject);
        req.end();
      });
    },
    rescan() {
      return new Promise((done, reject) => {
        const req = request(
          { socketPath: socket, method: 'POST', path: '/v1/jobs/bench/rescan' },
          (res) => {
            res.resume();
            if (res.statusCode === 200 || res.statusCode === 202) done();
            else reject(new Error(`rescan: HTTP ${res.statusCode}`));
          },
        );
        req.once('error', reject);
        req.end();
      });
    },
    passDone(pass) {
      const seen = passes.get(pass);
      if (seen) return Promise.resolve(seen);
      return new Promise((done, reject) => {
        waiters.set(pass, done);
        void exited.then((code) =>
          reject(new Error(`the daemon exited (${code}) before pass ${pass}:\n${tail.join('\n')}`)),
        );
      });
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const code = await exited;
      process.removeListener('exit', killOnExit);
      return code;
    },
  };
}
