/**
 * `npm run bench`: runs the benchmarks against private emulators and redis-servers and prints
 * each figure next to the baseline measured in the same run. Sizes come from the environment so
 * a quick run is easy:
 *   BENCH_SMALL_FILES (default 3000), BENCH_LARGE_MIB (default 1024), BENCH_REPS (default 3),
 *   BENCH_CONCURRENCY (default 16): the client benchmarks;
 *   BENCH_TREE_FILES (default 200000): the generated tree of the scan benchmarks and the daemon's
 *   scan and register rates and Redis memory;
 *   BENCH_REGISTER_FILES (default 30000): the tree of the event handler's cost (handler.ts) and
 *   of adoption (adopt.ts);
 *   BENCH_STATE_FILES (default 100000): files recorded by the state store alone;
 *   BENCH_WORKERS (default 16): `daemon.workers` of the benchmarked daemon;
 *   BENCH_WATCH_TREE_FILES (default 20000), BENCH_WATCH_RATE (default 50 files/s),
 *   BENCH_WATCH_SECONDS (default 60): the watch latency run;
 *   BENCH_GENQUERY_OBJECTS (default 5000): the emulator catalogue of the GenQuery lookup;
 *   BENCH_S3_KEYS (default 100000), BENCH_S3_PREFIXES (default 1000): the S3 listing bucket
 *   (also registered by the daemon for its Redis memory per key);
 *   BENCH_S3_PUT_OBJECTS (default 8), BENCH_S3_PUT_MIB (default 64): the objects of S3 put_sync;
 *   BENCH_BURST_FILES (default 20000): the watched burst (watch-burst.ts);
 *   BENCH_ONLY=s3 runs the S3 benchmark alone, BENCH_ONLY=adopt the adoption one (adopt.ts,
 *   on a tree of BENCH_REGISTER_FILES), BENCH_ONLY=sync the daemon's scan and register rates
 *   (sync.ts, with the state store's memory figure it compares with);
 *   `--scale` (or BENCH_SCALE=1) runs the million-file benchmark alone (scale.ts), on a tree of
 *   BENCH_SCALE_FILES (default 1000000); its results go to .bench/scale.json.
 * Results also go to .bench/results.json. Progress goes to stderr, the table to stdout.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmulator } from '../helpers/emulator.js';
import { benchAdopt } from './adopt.js';
import { benchGenQuery } from './genquery.js';
import { buildDaemon } from './daemon.js';
import { benchClient } from './irods-client.js';
import { benchHandlerCost } from './handler.js';
import { formatRows, type BenchRow } from './measure.js';
import { benchRecheck } from './recheck.js';
import { benchS3 } from './s3.js';
import { benchScale } from './scale.js';
import { benchScan } from './scan.js';
import { benchStateMemory } from './state.js';
import { benchSync } from './sync.js';
import { generateTree, settleTree, type GeneratedTree } from './tree.js';
import { benchWatch } from './watch.js';
import { benchWatchBurst } from './watch-burst.js';

const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const say = (text: string) => process.stderr.write(`[bench] ${text}\n`);

say('building the daemon (dist/): every benchmarked daemon runs as installed');
buildDaemon();

const s3Rows = async () => {
  say(
    's3: the daemon listing a bucket against a sequential ListObjectsV2 loop, +20 ms per request',
  );
  return benchS3({
    keys: env('BENCH_S3_KEYS', 100_000),
    prefixes: env('BENCH_S3_PREFIXES', 1000),
    putObjects: env('BENCH_S3_PUT_OBJECTS', 8),
    putMiB: env('BENCH_S3_PUT_MIB', 64),
    workers: env('BENCH_WORKERS', 16),
    say,
  });
};
const adoptRows = async (workDir: string) => {
  const files = env('BENCH_REGISTER_FILES', 30_000);
  say(`adopt: put_sync on a fresh Redis over ${files} files in iRODS, against rescan and register`);
  const tree = generateTree(join(workDir, 'adopt-tree'), files);
  settleTree(tree);
  return benchAdopt({ tree, workDir, workers: env('BENCH_WORKERS', 16) });
};
if (process.env.BENCH_ONLY === 'adopt') {
  const workDir = await mkdtemp(join(tmpdir(), 'ingest-bench-'));
  try {
    console.log(formatRows(await adoptRows(workDir)));
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
  process.exit(0);
}
if (process.argv.includes('--scale') || process.env.BENCH_SCALE === '1') {
  const workDir = await mkdtemp(join(tmpdir(), 'ingest-bench-'));
  let failures: string[];
  try {
    const scale = await benchScale({
      files: env('BENCH_SCALE_FILES', 1_000_000),
      workDir,
      workers: env('BENCH_WORKERS', 16),
      reps: env('BENCH_REPS', 3),
      say,
    });
    console.log(formatRows(scale.rows));
    await mkdir('.bench', { recursive: true });
    const at = new Date().toISOString();
    await writeFile('.bench/scale.json', JSON.stringify({ at, ...scale }, null, 2));
    failures = scale.failures;
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
  for (const failure of failures) say(`scale: check failed: ${failure}`);
  process.exit(failures.length > 0 ? 1 : 0);
}
/** The sync benchmark's rows: the daemon's scan rates, register rate and Redis memory. */
const syncRows = async (tree: GeneratedTree, workDir: string) => {
  const stateFiles = env('BENCH_STATE_FILES', 100_000);
  say(`state: ${stateFiles} files recorded by FileStateStore alone`);
  const state = await benchStateMemory(stateFiles);
  const reps = env('BENCH_REPS', 3);
  say(`sync: the daemon with operation none (four passes), then register (${reps} passes)`);
  const rows: BenchRow[] = [
    {
      name: `FileStateStore alone (${stateFiles} files)`,
      value: state.bytesPerFile,
      unit: 'B/file',
      goal: '<= 100 B',
    },
  ];
  rows.push(
    ...(await benchSync({
      tree,
      workDir,
      workers: env('BENCH_WORKERS', 16),
      bareRegisters: env('BENCH_SMALL_FILES', 3000),
      concurrency: env('BENCH_CONCURRENCY', 16),
      reps,
      storeBytesPerFile: state.bytesPerFile,
    })),
  );
  return rows;
};
const syncTree = (workDir: string) => {
  const treeFiles = env('BENCH_TREE_FILES', 200_000);
  const started = performance.now();
  const tree = generateTree(join(workDir, 'tree'), treeFiles);
  const seconds = (performance.now() - started) / 1000;
  const flushed = settleTree(tree);
  say(
    `generated ${treeFiles} files in ${tree.directories} directories in ${seconds.toFixed(1)} s, written back to disk in ${flushed.toFixed(1)} s`,
  );
  return tree;
};
if (process.env.BENCH_ONLY === 'sync') {
  const workDir = await mkdtemp(join(tmpdir(), 'ingest-bench-'));
  try {
    console.log(formatRows(await syncRows(syncTree(workDir), workDir)));
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
  process.exit(0);
}
if (process.env.BENCH_ONLY === 's3') {
  console.log(formatRows(await s3Rows()));
  process.exit(0);
}

const workDir = await mkdtemp(join(tmpdir(), 'ingest-bench-'));
try {
  say('client: register, 1 KiB put and large upload against the bare API');
  const emulator = await startEmulator();
  const smallFiles = env('BENCH_SMALL_FILES', 3000);
  const concurrency = env('BENCH_CONCURRENCY', 16);
  const reps = env('BENCH_REPS', 3);
  const rows: BenchRow[] = await benchClient({
    emulator,
    workDir,
    smallFiles,
    largeMiB: env('BENCH_LARGE_MIB', 1024),
    concurrency,
    reps,
  }).finally(() => emulator.stop());

  say('genquery: a per-file lookup in the emulator, narrowed against the full catalogue walk');
  rows.push(benchGenQuery(workDir, env('BENCH_GENQUERY_OBJECTS', 5000)));

  const tree = syncTree(workDir);

  say('scan: scanTree against find -printf');
  const scan = await benchScan(tree.root);
  rows.push(scan.row);

  rows.push(...(await syncRows(tree, workDir)));

  say('handler: register with a no-op event handler, against register without (alternating)');
  const registerTree = generateTree(
    join(workDir, 'register-tree'),
    env('BENCH_REGISTER_FILES', 30_000),
  );
  settleTree(registerTree);
  rows.push(
    ...(await benchHandlerCost({
      tree: registerTree,
      workDir,
      workers: env('BENCH_WORKERS', 16),
    })),
  );

  say('recheck: chmod -R over a synced put_sync tree, against a no-change rescan of it');
  const recheckEmulator = await startEmulator();
  rows.push(
    ...(await benchRecheck({
      tree,
      workDir,
      workers: env('BENCH_WORKERS', 16),
      emulator: recheckEmulator,
    }).finally(() => recheckEmulator.stop())),
  );

  rows.push(...(await adoptRows(workDir)));

  say('watch: latency of a watched put job, then ready time and memory on the big tree');
  rows.push(
    ...(await benchWatch({
      workDir,
      tree,
      latencyTreeFiles: env('BENCH_WATCH_TREE_FILES', 20_000),
      filesPerSecond: env('BENCH_WATCH_RATE', 50),
      seconds: env('BENCH_WATCH_SECONDS', 60),
      workers: env('BENCH_WORKERS', 16),
    })),
  );

  const burstFiles = env('BENCH_BURST_FILES', 20_000);
  say(`watch burst: ${burstFiles} new files at once under a watched put_sync job`);
  rows.push(
    ...(await benchWatchBurst({ workDir, files: burstFiles, workers: env('BENCH_WORKERS', 16) })),
  );

  rows.push(...(await s3Rows()));

  console.log(formatRows(rows));
  await mkdir('.bench', { recursive: true });
  await writeFile(
    '.bench/results.json',
    JSON.stringify({ at: new Date().toISOString(), rows }, null, 2),
  );
} finally {
  await rm(workDir, { recursive: true, force: true });
}
