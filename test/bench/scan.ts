/**
 * Scan rate of `scanTree` over an existing tree against `find DIR -printf '%s %T@ %p\n'` (readdir
 * plus lstat per entry, output discarded) on the same tree, page cache warm. Both rates count
 * the entries scanTree reported (files, directories and the rest) per second of wall time. The
 * first scan starts the scan thread and later ones reuse it, as a daemon's rescans do; the rate
 * is the median of the scans.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { scanTree } from '../../src/sources/scan.js';
import { median, timeOnce, type BenchRow } from './measure.js';

export interface ScanBench {
  /** Entries below the root that one scan reported. */
  readonly entries: number;
  readonly scanFilesPerSec: number;
  readonly findFilesPerSec: number;
  readonly row: BenchRow;
}

export async function benchScan(dir: string, reps = 3): Promise<ScanBench> {
  await runFind(dir); // warms the page cache for both contenders
  const scanSeconds: number[] = [];
  const findSeconds: number[] = [];
  let entries = 0;
  for (let rep = 0; rep < reps; rep++) {
    findSeconds.push(await timeOnce(() => runFind(dir)));
    scanSeconds.push(
      await timeOnce(async () => {
        entries = await countEntries(dir);
      }),
    );
  }
  const scanFilesPerSec = entries / median(scanSeconds);
  const findFilesPerSec = entries / median(findSeconds);
  return {
    entries,
    scanFilesPerSec,
    findFilesPerSec,
    row: {
      name: `scanTree (${entries} entries)`,
      value: scanFilesPerSec,
      unit: 'files/s',
      baseline: { name: 'find -printf', value: findFilesPerSec },
    },
  };
}

async function countEntries(dir: string): Promise<number> {
  let entries = 0;
  const scan = scanTree(dir, { exclude: [], excludeTypes: [], followSymlinks: false });
  for await (const chunk of scan) entries += chunk.entries.length + chunk.failures.length;
  return entries;
}

export async function runFind(dir: string): Promise<void> {
  const find = spawn('find', [dir, '-printf', '%s %T@ %p\n'], { stdio: 'ignore' });
  const [code] = (await once(find, 'exit')) as [number | null];
  if (code !== 0) throw new Error(`find ${dir} exited with ${code}`);
}
