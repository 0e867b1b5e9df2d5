/**
 * A million files (issue 19, `npm run bench -- --scale` or BENCH_SCALE=1): one daemon with a
 * `register` job over a generated tree of BENCH_SCALE_FILES (1,000,000) files, against its own
 * emulator and a private redis-server with AOF on, as the other sync rows run (the daemon built
 * and run from dist/, as installed, like every benchmarked daemon: see daemon.ts).
 *
 * - The first pass registers every file: its wall time (the pass summary's `durationMs`, from
 *   the pass's start to its last batch done) and files/s.
 * - RESCANS no-change rescans, asked for through the control socket: entries/s of their median
 *   against `find DIR -printf` on the same tree, run right before and after them (this machine's
 *   speed drifts over minutes, see sync.ts). They must change nothing and ask nothing of iRODS.
 * - A rescan after 1% of the files were rewritten with one byte more: its wall time, and that
 *   exactly those were brought up to date (the pass's `updated` count, and the emulator's
 *   `modify_replica` calls, one per changed file, with no registration). The final check then
 *   finds each with its new size, so no other file took one of those calls.
 * - The daemon's peak resident memory (VmHWM), of the first pass and of the rescans apart (the
 *   peak is reset in between); Redis used_memory after the daemon stopped minus before it
 *   started, per tracked entry, as the other rows count it.
 * - At the end every file is checked in iRODS (scale-check.ts): size, mtime, physical path.
 *
 * Also shown, for reading the figures: the emulator's peak memory (its catalog lives in memory)
 * and the machine's load average during each phase. A failed check does not hide the figures: it
 * is returned next to them, and the run exits non-zero.
 */
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { FileStateStore } from '../../src/state/index.js';
import { startEmulator, type TestEmulator } from '../helpers/emulator.js';
import { startRedis } from '../helpers/redis.js';
import { startBenchDaemon, type BenchDaemon, type PassEvent } from './daemon.js';
import { median, timeOnce, type BenchRow } from './measure.js';
import { changeEveryNth, checkTreeInIrods, type TreeCheck } from './scale-check.js';
import {
  LoadSampler,
  loadAverage,
  pidByArgument,
  processMemory,
  resetPeak,
  type LoadSummary,
} from './scale-watch.js';
import { runFind } from './scan.js';
import { usedMemory } from './state.js';
import { generateTree, settleTree, type GeneratedTree } from './tree.js';

export interface ScaleBenchOptions {
  files: number;
  workDir: string;
  /** `daemon.workers` of the benchmarked daemon. */
  workers: number;
  /** Runs of `find` before and after the rescans. */
  reps: number;
  say: (text: string) => void;
}

export interface ScaleBench {
  rows: BenchRow[];
  /** Checks that failed, one line each; the figures are still in `rows`. */
  failures: string[];
}

const target = '/tempZone/home/rods/bench-scale';
const RESCANS = 3;
/** One file in CHANGE_EVERY is rewritten before the last rescan: 1%. */
const CHANGE_EVERY = 100;
/** Under the emulator's keep-alive timeout (30 s), so the progress reads keep the socket warm. */
const PROGRESS_MS = 20_000;
const MiB = 1024 * 1024;

/** What the phases share. */
interface Run {
  readonly o: ScaleBenchOptions;
  readonly tree: GeneratedTree;
  readonly emulator: TestEmulator;
  readonly emulatorPid: number;
  readonly daemon: BenchDaemon;
  readonly load: LoadSampler;
  readonly failures: string[];
  /** The last pass asked for. */
  pass: number;
}

export async function benchScale(o: ScaleBenchOptions): Promise<ScaleBench> {
  const generating = performance.now();
  const tree = generateTree(join(o.workDir, 'scale-tree'), o.files);
  settleTree(tree);
  const generated = (performance.now() - generating) / 1000;
  o.say(`scale: ${tree.files} files in ${tree.directories} directories, ${generated.toFixed(0)} s`);
  const emulator = await startEmulator();
  const server = await startRedis({ persistence: true });
  const redis = new Redis({ path: server.socketPath });
  const load = new LoadSampler();
  let daemon: BenchDaemon | undefined;
  try {
    const emulatorPid = pidByArgument(emulator.root);
    const memoryBefore = await usedMemory(redis);
    daemon = await startBenchDaemon({
      workDir: o.workDir,
      irodsUrl: emulator.url,
      redisUrl: server.url,
      workers: o.workers,
      job: { source: tree.root, target, operation: 'register', rescanInterval: '1h' },
    });
    const run: Run = { o, tree, emulator, emulatorPid, daemon, load, failures: [], pass: 1 };
    const first = await firstPass(run, redis);
    const noChange = await noChangeRescans(run);
    const changed = await changedRescan(run);
    const code = await daemon.stop();
    if (code !== 0) run.failures.push(`the daemon exited with ${code} on SIGTERM`);
    const redisBytes = (await usedMemory(redis)) - memoryBefore;
    const tracked = await new FileStateStore(redis, 'bench', 'bench').trackedCount();
    const checking = performance.now();
    const check = await verify(run);
    const checked = (performance.now() - checking) / 1000;
    o.say(`scale: ${check.matched} files checked in iRODS in ${checked.toFixed(0)} s`);
    const emulatorPeak = await processMemory(emulatorPid, 'VmHWM');
    const rows = [
      ...firstPassRows(run, first),
      ...rescanRows(run, noChange, changed),
      peakRow('first pass', first.peak),
      peakRow('rescans', changed.peak),
      {
        name: `Redis after the passes (${tracked} tracked)`,
        value: redisBytes / tracked,
        unit: 'B/file',
        goal: '<= 100 B',
      },
      { name: 'emulator peak RSS (VmHWM)', value: emulatorPeak / MiB, unit: 'MiB' },
      {
        name: 'files found in iRODS as in the tree (size, mtime, physical path)',
        value: check.matched,
        unit: 'files',
        baseline: { name: 'files in the tree', value: tree.files },
      },
    ];
    return { rows, failures: run.failures };
  } finally {
    load.stop();
    await daemon?.stop();
    redis.disconnect();
    await server.stop();
    await emulator.stop();
  }
}

interface FirstPass {
  event: PassEvent;
  peak: number;
  load: LoadSummary;
}

/** The `register` pass over the whole tree, with a progress line every PROGRESS_MS. */
async function firstPass(run: Run, redis: Redis): Promise<FirstPass> {
  const { daemon, emulator, o } = run;
  await daemon.waitFor((line) => line.message.includes(' pass 1 started'));
  await run.load.phase();
  const started = performance.now();
  const progress = setInterval(() => {
    void (async () => {
      const [stats, daemonRss, emulatorRss, redisBytes, load] = await Promise.all([
        again(() => emulator.stats()),
        daemon.rss(),
        processMemory(run.emulatorPid, 'VmRSS'),
        usedMemory(redis),
        loadAverage(),
      ]);
      const objects = stats.data_objects!;
      const seconds = (performance.now() - started) / 1000;
      o.say(
        `scale: ${objects} registered in ${seconds.toFixed(0)} s (${(objects / seconds).toFixed(0)}/s), load ${load.toFixed(1)}, RSS daemon ${(daemonRss / MiB).toFixed(0)} MiB, emulator ${(emulatorRss / MiB).toFixed(0)} MiB, Redis used ${(redisBytes / MiB).toFixed(0)} MiB`,
      );
    })().catch(() => undefined);
  }, PROGRESS_MS);
  let event: PassEvent;
  try {
    event = await daemon.passDone(1);
  } finally {
    clearInterval(progress);
  }
  const peak = await daemon.rss('VmHWM');
  const load = await run.load.phase();
  o.say(`scale: first pass ${JSON.stringify(event)}`);
  if (event.failed > 0) run.failures.push(`first pass: ${event.failed} entries failed`);
  const objects = (await again(() => emulator.stats())).data_objects!;
  if (objects !== run.tree.files) {
    run.failures.push(`first pass: ${objects} data objects in iRODS, want ${run.tree.files}`);
  }
  await resetPeak(daemon.pid);
  return { event, peak, load };
}

interface NoChangeRescans {
  events: PassEvent[];
  findSeconds: number[];
  load: LoadSummary;
}

async function noChangeRescans(run: Run): Promise<NoChangeRescans> {
  const findSeconds: number[] = [];
  const timeFind = async () => {
    for (let rep = 0; rep < run.o.reps; rep++) {
      findSeconds.push(await timeOnce(() => runFind(run.tree.root)));
    }
  };
  await timeFind();
  const opsBefore = await again(() => run.emulator.requestsByOp());
  await run.load.phase();
  const events: PassEvent[] = [];
  for (let rescan = 0; rescan < RESCANS; rescan++) {
    const event = await nextPass(run);
    events.push(event);
    if (event.new + event.updated + event.failed > 0) {
      run.failures.push(`no-change rescan ${event.pass}: ${JSON.stringify(event)}`);
    }
  }
  const load = await run.load.phase();
  const requests = opsSince(opsBefore, await again(() => run.emulator.requestsByOp()));
  run.o.say(`scale: iRODS requests during the no-change rescans: ${JSON.stringify(requests)}`);
  // Each pass checks the job's resource, user and target first (preflight); nothing more.
  const perFile = Object.keys(requests).filter((op) => /^(data-objects|query):/.test(op));
  if (perFile.length > 0) {
    run.failures.push(`the no-change rescans asked iRODS ${JSON.stringify(requests)}`);
  }
  await timeFind();
  run.o.say(`scale: no-change rescans ${events.map((event) => event.durationMs).join(', ')} ms`);
  return { events, findSeconds, load };
}

interface ChangedRescan {
  event: PassEvent;
  changed: number;
  peak: number;
  load: LoadSummary;
}

async function changedRescan(run: Run): Promise<ChangedRescan> {
  const changed = changeEveryNth(run.tree.root, CHANGE_EVERY).length;
  // The rewrite blocked the event loop for seconds: let it see the sockets closed meanwhile
  // (keep-alive timeouts) before the next request picks one.
  await new Promise((done) => setTimeout(done, 1000));
  const opsBefore = await again(() => run.emulator.requestsByOp());
  await run.load.phase();
  const event = await nextPass(run);
  const load = await run.load.phase();
  const requests = opsSince(opsBefore, await again(() => run.emulator.requestsByOp()));
  const calls = (op: string) => requests[op] ?? 0;
  run.o.say(`scale: rescan after ${changed} changed ${JSON.stringify(event)}`);
  run.o.say(`scale: iRODS requests during that rescan: ${JSON.stringify(requests)}`);
  const wrong = [
    event.updated === changed ? '' : `${event.updated} updated, want ${changed}`,
    event.new + event.failed === 0 ? '' : `${event.new} new and ${event.failed} failed, want 0`,
    calls('data-objects:modify_replica') === changed
      ? ''
      : `${calls('data-objects:modify_replica')} modify_replica calls, want ${changed}`,
    calls('data-objects:register') === 0
      ? ''
      : `${calls('data-objects:register')} registrations, want 0`,
  ].filter((text) => text !== '');
  if (wrong.length > 0) run.failures.push(`rescan after 1% changed: ${wrong.join('; ')}`);
  return { event, changed, peak: await run.daemon.rss('VmHWM'), load };
}

/** The check of every file in iRODS; one that cannot finish is a failure, not a lost run. */
async function verify(run: Run): Promise<TreeCheck> {
  let check: TreeCheck;
  try {
    check = await checkTreeInIrods(run.emulator.url, run.tree.root, target);
  } catch (error) {
    run.failures.push(`the check in iRODS stopped: ${(error as Error).message}`);
    return { matched: 0, problems: [], problemCount: 0 };
  }
  if (check.problemCount > 0) {
    run.failures.push(
      `${check.problemCount} files differ in iRODS, the first ones:\n  ${check.problems.join('\n  ')}`,
    );
  }
  return check;
}

/**
 * Reads the emulator's counters, once more if the connection was found closed: the tree's
 * synchronous walks block the event loop past the keep-alive timeout, so fetch may pick a pooled
 * socket the emulator has closed meanwhile. The reads change nothing, so a second try is safe.
 */
async function again<T>(read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause;
    if (cause?.code !== 'UND_ERR_SOCKET') throw error;
    return read();
  }
}

/** The requests per route and op served between two counts, those that changed. */
function opsSince(
  before: Record<string, number>,
  after: Record<string, number>,
): Record<string, number> {
  const served: Record<string, number> = {};
  for (const [op, count] of Object.entries(after)) {
    if (count !== (before[op] ?? 0)) served[op] = count - (before[op] ?? 0);
  }
  return served;
}

/** Asks for the job's next pass and waits for its summary. */
async function nextPass(run: Run): Promise<PassEvent> {
  const pass = ++run.pass;
  await run.daemon.rescan();
  return run.daemon.passDone(pass);
}

function firstPassRows(run: Run, first: FirstPass): BenchRow[] {
  const seconds = first.event.durationMs / 1000;
  return [
    {
      name: `daemon register, first pass (${run.tree.files} files, ${run.o.workers} workers)`,
      value: run.tree.files / seconds,
      unit: 'files/s',
    },
    { name: 'daemon register, first pass wall time', value: seconds, unit: 's' },
    loadRow('first pass', first.load),
  ];
}

function rescanRows(run: Run, noChange: NoChangeRescans, changed: ChangedRescan): BenchRow[] {
  const entries = noChange.events[0]!.seen;
  const perSec = (event: PassEvent) => event.seen / (event.durationMs / 1000);
  const rescan = median(noChange.events.map(perSec));
  return [
    {
      name: `daemon no-change rescan (${entries} entries, median of ${RESCANS})`,
      value: rescan,
      unit: 'entries/s',
      baseline: { name: 'find -printf', value: entries / median(noChange.findSeconds) },
      goal: '>= 0.5x',
    },
    loadRow('no-change rescans', noChange.load),
    {
      name: `daemon rescan after 1% changed (${changed.changed} files re-registered)`,
      value: perSec(changed.event),
      unit: 'entries/s',
      baseline: { name: 'no-change rescan', value: rescan },
    },
    {
      name: 'daemon rescan after 1% changed, wall time',
      value: changed.event.durationMs / 1000,
      unit: 's',
    },
    loadRow('rescan after 1% changed', changed.load),
  ];
}

function peakRow(phase: string, bytes: number): BenchRow {
  return {
    name: `daemon peak RSS (VmHWM) in the ${phase}`,
    value: bytes / MiB,
    unit: 'MiB',
    goal: '<= 300 MiB',
  };
}

function loadRow(phase: string, load: LoadSummary): BenchRow {
  return {
    name: `load average (1 min) during the ${phase}, mean (max ${load.max.toFixed(1)})`,
    value: load.mean,
    unit: `on ${availableParallelism()} cores`,
  };
}
