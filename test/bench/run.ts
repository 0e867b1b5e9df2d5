/**
 * `npm run bench`: runs the benchmarks against private emulators and redis-servers and prints
 * each figure next to the baseline measured in the same run. Sizes come from the environment so
 * a quick run is easy:
 *   BENCH_SMALL_FILES (default 3000), BENCH_LARGE_MIB (default 1024), BENCH_REPS (default 3),
 *   BENCH_CONCURRENCY (default 16): the client benchmarks;
 *   BENCH_TREE_FILES (default 200000): the generated tree of the scan benchmarks and the daemon's
 *   scan rates and Redis memory;
 *   BENCH_REGISTER_FILES (default 30000): the tree of the daemon's register rate (see sync.ts);
 *   BENCH_STATE_FILES (default 100000): files recorded by the state store alone;
 *   BENCH_WORKERS (default 16): `daemon.workers` of the benchmarked daemon;
 *   BENCH_WATCH_TREE_FILES (default 20000), BENCH_WATCH_RATE (default 50 files/s),
 *   BENCH_WATCH_SECONDS (default 60): the watch latency run;
 *   BENCH_BURST_FILES (default 20000): the watched burst (watch-burst.ts).
 * Results also go to .bench/results.json. Progress goes to stderr, the table to stdout.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmulator } from '../helpers/emulator.js';
import { benchClient } from './irods-client.js';
import { formatRows, type BenchRow } from './measure.js';
import { benchRecheck } from './recheck.js';
import { benchScan } from './scan.js';
import { benchStateMemory } from './state.js';
import { benchSync } from './sync.js';
import { generateTree } from './tree.js';
import { benchWatch } from './watch.js';
import { benchWatchBurst } from './watch-burst.js';

const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const say = (text: string) => process.stderr.write(`[bench] ${text}\n`);

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

  const treeFiles = env('BENCH_TREE_FILES', 200_000);
  const started = performance.now();
  const tree = generateTree(join(workDir, 'tree'), treeFiles);
  const seconds = (performance.now() - started) / 1000;
  say(`generated ${treeFiles} files in ${tree.directories} directories in ${seconds.toFixed(1)} s`);

  const registerTree = generateTree(
    join(workDir, 'register-tree'),
    env('BENCH_REGISTER_FILES', 30_000),
  );

  say('scan: scanTree against find -printf');
  const scan = await benchScan(tree.root);
  rows.push(scan.row);

  const stateFiles = env('BENCH_STATE_FILES', 100_000);
  say(`state: ${stateFiles} files recorded by FileStateStore alone`);
  const state = await benchStateMemory(stateFiles);
  rows.push({
    name: `FileStateStore alone (${stateFiles} files)`,
    value: state.bytesPerFile,
    unit: 'B/file',
    goal: '<= 100 B',
  });

  say('sync: the daemon with operation none (four passes), then register (one pass)');
  rows.push(
    ...(await benchSync({
      tree,
      registerTree,
      workDir,
      workers: env('BENCH_WORKERS', 16),
      bareRegisters: smallFiles,
      concurrency,
      reps,
      storeBytesPerFile: state.bytesPerFile,
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

  console.log(formatRows(rows));
  await mkdir('.bench', { recursive: true });
  await writeFile(
    '.bench/results.json',
    JSON.stringify({ at: new Date().toISOString(), rows }, null, 2),
  );
} finally {
  await rm(workDir, { recursive: true, force: true });
}
