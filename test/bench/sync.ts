/**
 * The sync engine end to end (issue 3): the real daemon on a generated tree, against its own
 * emulator and a private redis-server with AOF on (as the embedded one runs), timed by the pass
 * summary lines the daemon logs (`durationMs`: from the start of the pass, scan included, until
 * the last queued batch of that pass is done).
 *
 * - Scan rates: a job with operation `none`, passing again after 1 s. Its first pass scans,
 *   compares with the (empty) state and records every entry, which is what a first pass costs
 *   apart from iRODS; it takes about two seconds, and one of it moved by a fifth from run to run
 *   of the benchmark, so the figure is the median first pass of `reps` such jobs, each on a
 *   fresh Redis (the others pass once). The passes after the first are no-change rescans:
 *   scan plus pipelined comparison, nothing queued. Both count entries (files and directories)
 *   per second, like `find -printf` on the same tree. A rescan of 200,000 entries takes about a
 *   second and a half, short enough for the machine's noise to move one run by a fifth, so the
 *   figure is the median of RESCANS of them, against the median of `find` runs on the same tree
 *   right before and after the job. Both baselines bracket the figure they are compared with:
 *   this machine's speed drifts by a third or more over minutes (noisy neighbours), which a
 *   baseline measured at the start of the benchmark would fold into the ratio.
 * - Register rate: a fresh job with operation `register` on the same tree, as the goals
 *   are set: files/s of its one pass, compared with the bare undici register loop of the client
 *   benchmark (one request per file, nothing else), run on the same emulator before and after
 *   the pass (after one run that warms it up). The daemon sends two requests per new file (the
 *   registration, then `touch` to carry the source's mtime, which register cannot set), so half
 *   the bare rate is its ceiling. The figure that holds the daemon to that ceiling compares it
 *   with a bare loop that sends those same two requests per file, as many files at a time as the
 *   daemon has workers. On a 30,000-file tree (what this ran on first, to keep the benchmark
 *   short) the pass's fixed costs, a fresh daemon's first seconds above all (its code not yet
 *   optimised, the queue filling), took 6-8% off the rate a long ingest runs at; on the whole
 *   tree they are 1-2%.
 * - What the register pass cost: the iRODS requests it made per second (the emulator's count),
 *   against the bare loop's calls/s, and the machine's CPU per registered file (daemon, emulator
 *   and redis-server, from the first pass's start line to its summary) against that of the
 *   register + touch loop (the loop's process and the emulator). Both sides run out of the
 *   machine's two cores, so the CPU ratio is about the inverse of the goal row's ceiling.
 * - Redis memory: used_memory after a run minus before it, per tracked entry, for both runs. It
 *   holds everything the daemon leaves in Redis (state, job records, queue metadata and events,
 *   BullMQ's and the store's scripts), so it is an upper bound on the per-file state alone.
 */
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { IrodsClient } from '../../src/irods/index.js';
import { FileStateStore } from '../../src/state/index.js';
import { startEmulator, type TestEmulator } from '../helpers/emulator.js';
import { startRedis, type TestRedis } from '../helpers/redis.js';
import { BareApi } from './bare-api.js';
import { startBenchDaemon, type BenchJob, type PassEvent } from './daemon.js';
import { bareRegisterRun, type BareRegisterRun } from './irods-client.js';
import { median, processCpuSeconds, timeOnce, type BenchRow } from './measure.js';
import { runFind } from './scan.js';
import { usedMemory } from './state.js';
import type { GeneratedTree } from './tree.js';

export interface SyncBenchOptions {
  /** The tree of the scan and register rates and of the Redis memory figures. */
  tree: GeneratedTree;
  workDir: string;
  /** `daemon.workers` of the benchmarked daemon. */
  workers: number;
  /** Registrations per run of the bare register loop (BENCH_SMALL_FILES). */
  bareRegisters: number;
  /** Requests in flight in the bare register loop. */
  concurrency: number;
  /** Runs of each baseline (`find`, the bare register loop); their median is used. */
  reps: number;
  /** Bytes per file of FileStateStore alone, from benchStateMemory. */
  storeBytesPerFile: number;
}

const home = '/tempZone/home/rods';
/** No-change rescans timed after the first pass of the `none` job. */
const RESCANS = 3;

export async function benchSync(o: SyncBenchOptions): Promise<BenchRow[]> {
  const emulator = await startEmulator();
  try {
    // Each baseline is run before and after the figure it is compared with, `reps` times each.
    const findRuns: number[] = [];
    const timeFind = async () => {
      for (let rep = 0; rep < o.reps; rep++) {
        findRuns.push(await timeOnce(() => runFind(o.tree.root)));
      }
    };
    await timeFind();
    const none = await runJob(o, emulator, 1 + RESCANS, {
      source: o.tree.root,
      target: `${home}/bench-none`,
      operation: 'none',
      rescanInterval: '1s',
    });
    const firstPasses = [none.passes[0]!];
    for (let rep = 1; rep < o.reps; rep++) {
      const again = await runJob(o, emulator, 1, {
        source: o.tree.root,
        target: `${home}/bench-none-${rep}`,
        operation: 'none',
        rescanInterval: '0',
      });
      firstPasses.push(again.passes[0]!);
    }
    await timeFind();
    // The register pass and its baselines alternate, `reps` passes between `reps + 1` runs of
    // each loop: a single pass next to its baselines' median moved by a third from run to run.
    const loop = await BareRegisterLoop.open(o, emulator);
    const bareRuns: BareRegisterRun[] = [];
    const touchRuns: BareRegisterRun[] = [];
    const timeBare = async () => {
      bareRuns.push(await loop.run(o.concurrency));
      touchRuns.push(await loop.run(o.workers, { touch: true }));
    };
    const registers: JobRun[] = [];
    try {
      await loop.run(o.concurrency); // warms the emulator up
      await timeBare();
      for (let rep = 0; rep < o.reps; rep++) {
        registers.push(
          await runJob(o, emulator, 1, {
            source: o.tree.root,
            target: `${home}/bench-register-${rep}`,
            operation: 'register',
            rescanInterval: '0',
          }),
        );
        await timeBare();
      }
    } finally {
      await loop.close();
    }
    // The run whose first pass took the median time: its other figures go with it.
    const register = medianBy(registers, (run) => run.passes[0]!.durationMs);
    const bareWithTouch = {
      name: `bare undici register + touch loop, ${o.workers} at a time`,
      value: median(touchRuns.map((run) => run.perSec)),
    };
    const touchCpuPerFile = median(touchRuns.map((run) => run.cpuPerCall));
    const [, ...rescans] = none.passes as [PassEvent, ...PassEvent[]];
    const first = medianBy(firstPasses, (pass) => pass.durationMs);
    const [registered] = register.passes as [PassEvent];
    const perSec = (count: number, pass: PassEvent) => count / (pass.durationMs / 1000);
    const files = o.tree.files;
    const { requests, cpuSeconds } = register.firstPass;
    const find = { name: 'find -printf', value: first.seen / median(findRuns) };
    const bareLoop = {
      name: 'bare undici register loop',
      value: median(bareRuns.map((run) => run.perSec)),
    };
    return [
      {
        name: `daemon first pass, none (${first.seen} entries, median of ${firstPasses.length})`,
        value: perSec(first.seen, first),
        unit: 'entries/s',
        baseline: find,
        goal: '>= 0.4x',
      },
      {
        name: `daemon no-change rescan (${first.seen} entries, median of ${rescans.length})`,
        value: median(rescans.map((pass) => perSec(pass.seen, pass))),
        unit: 'entries/s',
        baseline: find,
        goal: '>= 0.6x',
      },
      {
        name: `Redis after none (${none.tracked} tracked)`,
        value: none.memoryDelta / none.tracked,
        unit: 'B/file',
        baseline: { name: 'FileStateStore alone', value: o.storeBytesPerFile },
        goal: '<= 100 B',
      },
      {
        name: `daemon register, ${o.workers} workers (${files} files, median of ${o.reps})`,
        value: perSec(files, registered),
        unit: 'files/s',
        baseline: bareLoop,
        goal: '>= 0.5x',
      },
      {
        name: `daemon register, ${o.workers} workers (${files} files, median of ${o.reps})`,
        value: perSec(files, registered),
        unit: 'files/s',
        baseline: bareWithTouch,
        goal: '>= 0.8x',
      },
      {
        name: `daemon register, iRODS requests (${requests} for ${files} files)`,
        value: perSec(requests, registered),
        unit: 'calls/s',
        baseline: bareLoop,
      },
      {
        name: 'machine CPU per registered file (daemon, emulator, Redis)',
        value: (cpuSeconds / files) * 1e6,
        unit: 'µs',
        baseline: {
          name: 'the register + touch loop per file (loop, emulator)',
          value: touchCpuPerFile * 1e6,
        },
      },
      {
        name: `Redis after register (${register.tracked} tracked)`,
        value: register.memoryDelta / register.tracked,
        unit: 'B/file',
        baseline: { name: 'FileStateStore alone', value: o.storeBytesPerFile },
        goal: '<= 100 B',
      },
    ];
  } finally {
    await emulator.stop();
  }
}

/** The item that took the median time; of an even number, the slower of the middle two. */
function medianBy<T>(items: readonly T[], time: (item: T) => number): T {
  const byTime = [...items].sort((a, b) => time(a) - time(b));
  return byTime[byTime.length >> 1]!;
}

export interface JobRun {
  passes: PassEvent[];
  /** iRODS requests and machine CPU seconds (daemon, emulator, Redis) of the first pass. */
  firstPass: { requests: number; cpuSeconds: number };
  /** used_memory after the daemon stopped minus before it started. */
  memoryDelta: number;
  tracked: number;
}

/**
 * The bare register loop of the client benchmark on the daemon's emulator, each run registering
 * `bareRegisters` 1 KiB files into a collection of its own.
 */
class BareRegisterLoop {
  readonly #emulator: TestEmulator;
  readonly #client: IrodsClient;
  readonly #bare: BareApi;
  readonly #paths: string[];
  #runs = 0;

  private constructor(o: SyncBenchOptions, emulator: TestEmulator, paths: string[]) {
    this.#emulator = emulator;
    this.#client = new IrodsClient({ url: emulator.url, username: 'rods', password: 'rods' });
    this.#bare = new BareApi(emulator.url, Math.max(o.concurrency, o.workers));
    this.#paths = paths;
  }

  static async open(o: SyncBenchOptions, emulator: TestEmulator): Promise<BareRegisterLoop> {
    const dir = await mkdtemp(join(o.workDir, 'bare-'));
    const kib = randomBytes(1024);
    const paths = Array.from({ length: o.bareRegisters }, (_, i) => join(dir, `f${i}`));
    for (const path of paths) writeFileSync(path, kib);
    const loop = new BareRegisterLoop(o, emulator, paths);
    await loop.#client.connect();
    await loop.#bare.login('rods', 'rods');
    return loop;
  }

  /** `concurrency` files at a time; with `touch`, each registration is followed by a touch. */
  async run(concurrency: number, options: { touch?: boolean } = {}): Promise<BareRegisterRun> {
    const collection = `${home}/bench-bare-${this.#runs++}`;
    await this.#client.collections.ensure(collection);
    return bareRegisterRun(
      this.#bare,
      this.#emulator,
      collection,
      this.#paths,
      concurrency,
      options,
    );
  }

  async close(): Promise<void> {
    await this.#bare.close();
    await this.#client.close();
  }
}

/** CPU seconds redis-server has used so far (its own, not its AOF rewrite children's). */
async function redisCpuSeconds(redis: Redis): Promise<number> {
  const info = await redis.info('cpu');
  const field = (name: string) => Number(new RegExp(`^${name}:([\\d.]+)`, 'm').exec(info)?.[1]);
  return field('used_cpu_sys') + field('used_cpu_user');
}

/**
 * Runs `job` on a fresh redis-server (AOF on) for `passes` passes, then stops the daemon; also
 * used by the S3 benchmark.
 */
export async function runJob(
  o: Pick<SyncBenchOptions, 'workDir' | 'workers'>,
  emulator: TestEmulator,
  passes: number,
  job: BenchJob,
): Promise<JobRun> {
  const server: TestRedis = await startRedis({ persistence: true });
  const redis = new Redis({ path: server.socketPath });
  try {
    const before = await usedMemory(redis);
    const daemon = await startBenchDaemon({
      workDir: o.workDir,
      irodsUrl: emulator.url,
      redisUrl: server.url,
      workers: o.workers,
      job: { ...job },
    });
    const events: PassEvent[] = [];
    const usage = async () => {
      const [daemonCpu, stats, redisCpu] = await Promise.all([
        processCpuSeconds(daemon.pid),
        emulator.stats(),
        redisCpuSeconds(redis),
      ]);
      return { requests: stats.requests!, cpuSeconds: daemonCpu + stats.cpu_seconds! + redisCpu };
    };
    let firstPass: JobRun['firstPass'];
    try {
      await daemon.waitFor((line) => line.message.includes(' pass 1 started'));
      const start = await usage();
      events.push(await daemon.passDone(1));
      const end = await usage();
      firstPass = {
        requests: end.requests - start.requests,
        cpuSeconds: end.cpuSeconds - start.cpuSeconds,
      };
      for (let pass = 2; pass <= passes; pass++) events.push(await daemon.passDone(pass));
    } catch (error) {
      await daemon.stop();
      throw error;
    }
    const code = await daemon.stop();
    if (code !== 0) throw new Error(`the daemon exited with ${code} on SIGTERM`);
    for (const event of events) {
      if (event.failed > 0) {
        throw new Error(`${job.operation} pass ${event.pass}: ${event.failed} entries failed`);
      }
    }
    const memoryDelta = (await usedMemory(redis)) - before;
    const tracked = await new FileStateStore(redis, 'bench', 'bench').trackedCount();
    return { passes: events, firstPass, memoryDelta, tracked };
  } finally {
    redis.disconnect();
    await server.stop();
  }
}
