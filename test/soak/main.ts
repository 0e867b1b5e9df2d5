/**
 * `scripts/soak [--minutes N] [--keep]`: the daemon under load and faults for N minutes (default
 * 20), then the end checks.
 *
 * Writers change two watched sources (a `put_sync` job and a `register` job) for N minutes while
 * the faults of schedule.ts happen: from 5% of the run on, iRODS answers 5% of requests with 503,
 * drops 2% of connections before it acts, and carries 1% out but loses their answers (faults.ts);
 * it also goes down once, and the daemons and Redis are killed and restarted. Then the writers stop, the iRODS errors end, and the daemon is
 * left to settle (rescans until one finds nothing to do). The end checks (verify.ts) compare
 * iRODS with the sources, read the failure lists and count sends per path. One summary goes to
 * stdout; progress goes to stderr. Exit 0 only when nothing was lost, iRODS equals the sources,
 * no failure is listed and no file was sent twice without a change (or a kill -9 to explain it).
 *
 * SOAK_SEED draws the same changes and fault order again; SOAK_OPS_PER_SECOND (default 10) is
 * each writer's rate; SOAK_LOG_LEVEL (default info) the daemons' log level. The work directory (sources, emulator root, daemon logs) is removed after
 * a clean run and kept after a failed one (or with --keep).
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import type { Ingestd } from '../helpers/ingestd.js';
import { FaultRunner } from './faults.js';
import { Random } from './random.js';
import { isRunning, startDaemon, startRig } from './rig.js';
import { faultSchedule } from './schedule.js';
import { failuresOf, settle } from './settle.js';
import { formatSummary, verdict, type SoakResult } from './summary.js';
import { checkJob } from './verify.js';
import { SourceWriter } from './writer.js';

const { values } = parseArgs({
  options: { minutes: { type: 'string', default: '20' }, keep: { type: 'boolean' } },
});
const minutes = Number(values.minutes);
if (!Number.isFinite(minutes) || minutes <= 0) {
  console.error(`soak: --minutes must be a positive number, not "${values.minutes}"`);
  process.exit(2);
}
const seed = Number(process.env.SOAK_SEED ?? Math.floor(Math.random() * 2 ** 31));
const opsPerSecond = Number(process.env.SOAK_OPS_PER_SECOND ?? 10);
const wallStart = Date.now();
const say = (text: string) =>
  process.stderr.write(`[soak ${((Date.now() - wallStart) / 1000).toFixed(0)}s] ${text}\n`);

const writingMs = minutes * 60_000;
// Several periodic rescans during the run, on top of the watchers.
const rescanInterval = `${Math.max(30, Math.round((minutes * 60) / 5))}s`;
const workDir = await mkdtemp(join(tmpdir(), 'ingest-soak-'));
say(`seed ${seed}, ${minutes} min of writing, work directory ${workDir}`);
const rig = await startRig(workDir, rescanInterval);
const random = new Random(seed);
const writers = rig.jobs.map(
  (job) =>
    new SourceWriter({
      root: job.source,
      random: new Random(random.int(0, 2 ** 31)),
      minFiles: 300,
      maxFiles: 1_500,
      bigFiles: job.operation === 'put_sync',
    }),
);
for (const writer of writers) await writer.populate(8);

let result: SoakResult | undefined;
let runner: FaultRunner | undefined;
let failure: unknown;
try {
  const daemon = await startDaemon(rig.daemonSpec);
  await daemon.waitFor(isRunning, 120_000);
  runner = new FaultRunner(rig, daemon, say);
  const startedAt = Date.now();
  let writing = true;
  const loops = writers.map(async (writer) => {
    while (writing) {
      await writer.step();
      await sleep(1000 / opsPerSecond);
    }
  });
  const faults = runner.run(faultSchedule(writingMs), startedAt);
  await sleep(writingMs);
  writing = false;
  await Promise.all(loops);
  await faults;
  await runner.clearErrors();
  say('writers stopped, iRODS errors off; letting the daemon settle');
  const jobNames = rig.jobs.map((job) => job.name);
  const settled = await settle(runner.daemon.socket, jobNames, Math.max(600_000, writingMs), say);
  say(`settled after ${settled.rounds} rescan round(s); checking`);
  const failures = await Promise.all(jobNames.map((job) => failuresOf(runner!.daemon.socket, job)));
  const writes = await rig.emulator.writes();
  const checks = [];
  for (const [i, job] of rig.jobs.entries()) {
    checks.push(
      await checkJob(job, writers[i]!.versions, writes, runner.kills, rig.emulator.url, startedAt),
    );
  }
  result = {
    seed,
    minutes,
    wallMs: Date.now() - wallStart,
    settled,
    faults: runner.records,
    writers: writers.map((writer, i) => ({ job: rig.jobs[i]!.name, counts: writer.counts })),
    checks,
    failures: failures.flatMap((list, i) => list.map((entry) => ({ job: jobNames[i]!, ...entry }))),
  };
} catch (error) {
  failure = error;
} finally {
  await shutDown([
    ['daemon', runner?.daemon],
    ['worker', runner?.worker],
    ...(runner?.removed ?? []).map((d): [string, Ingestd] => ['worker-removed', d]),
  ]);
}

const passed = result !== undefined && verdict(result).length === 0;
if (result !== undefined) console.log(formatSummary(result));
if (failure !== undefined) console.error('soak: the run broke off:', failure);
await rig.emulator.stop();
await rig.redis.stop();
if (passed && !values.keep) await rm(workDir, { recursive: true, force: true });
else say(`kept ${workDir} (daemon logs in logs/)`);
process.exit(passed ? 0 : 1);

/** Stops the daemons and writes their logs under the work directory. */
async function shutDown(daemons: [string, Ingestd | undefined][]): Promise<void> {
  await mkdir(join(workDir, 'logs'), { recursive: true });
  for (const [name, daemon] of daemons) {
    if (daemon === undefined) continue;
    await daemon.stop();
    const lines = daemon.logs.map((event) => JSON.stringify(event)).join('\n');
    await writeFile(join(workDir, 'logs', `${name}.jsonl`), `${lines}\n`);
    await daemon.cleanUp();
  }
}
