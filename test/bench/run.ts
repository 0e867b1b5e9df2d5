/**
 * `npm run bench`: runs the benchmarks against a private emulator and prints each figure next to
 * the baseline measured in the same run. Sizes come from the environment so a quick run is easy:
 * BENCH_SMALL_FILES (default 3000), BENCH_LARGE_MIB (default 1024), BENCH_REPS (default 3),
 * BENCH_CONCURRENCY (default 16). Results also go to .bench/results.json.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmulator } from '../helpers/emulator.js';
import { benchClient } from './irods-client.js';
import { formatRows } from './measure.js';

const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);

const workDir = await mkdtemp(join(tmpdir(), 'ingest-bench-'));
const emulator = await startEmulator();
try {
  const rows = await benchClient({
    emulator,
    workDir,
    smallFiles: env('BENCH_SMALL_FILES', 3000),
    largeMiB: env('BENCH_LARGE_MIB', 1024),
    concurrency: env('BENCH_CONCURRENCY', 16),
    reps: env('BENCH_REPS', 3),
  });
  console.log(formatRows(rows));
  await mkdir('.bench', { recursive: true });
  await writeFile(
    '.bench/results.json',
    JSON.stringify({ at: new Date().toISOString(), rows }, null, 2),
  );
} finally {
  await emulator.stop();
  await rm(workDir, { recursive: true, force: true });
}
