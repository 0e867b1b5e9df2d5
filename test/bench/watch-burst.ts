/**
 * A watched burst (issue 20), with the real daemon: a `put_sync` job watching an empty source
 * (settle 1 s, rescans an hour apart) gets `files` new files at once, written as fast as this
 * process can (the generated tree's layout: 200 files a directory). Measured:
 *
 * - the time from the burst's first file to the job converged on its own: every file an object
 *   in the emulator and nothing queued, whatever it took (watcher events, and the rescans a stall
 *   or a lost event sets off, which are counted);
 * - the daemon's peak resident memory meanwhile (VmHWM, reset through /proc/PID/clear_refs);
 *
 * each next to a no-change rescan of the same tree (its duration and peak memory, in a fresh
 * daemon on the same state): what every rescan a stall or a lost event sets off costs.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startEmulator } from '../helpers/emulator.js';
import { startRedis } from '../helpers/redis.js';
import { startBenchDaemon, type BenchDaemon, type BenchJob } from './daemon.js';
import type { BenchRow } from './measure.js';
import { generateTree } from './tree.js';

export interface WatchBurstOptions {
  workDir: string;
  files: number;
  workers: number;
}

const home = '/tempZone/home/rods';
const POLL_MS = 250;
/** The longest a burst may take to converge before the benchmark gives up. */
const GIVE_UP_MS = 30 * 60_000;

export async function benchWatchBurst(o: WatchBurstOptions): Promise<BenchRow[]> {
  const emulator = await startEmulator();
  const redis = await startRedis({ persistence: true });
  try {
    const source = join(o.workDir, 'watch-burst');
    await mkdir(source);
    const job: BenchJob = {
      source,
      target: `${home}/bench-watch-burst`,
      operation: 'put_sync',
      rescanInterval: '1h',
      watch: true,
      settle: '1s',
    };
    const spec = {
      workDir: o.workDir,
      irodsUrl: emulator.url,
      redisUrl: redis.url,
      workers: o.workers,
    };
    const watching = await startBenchDaemon({ ...spec, job });
    let burst: { convergeMs: number; peak: number; rescans: string[] };
    try {
      await watching.waitFor((e) => e.message.includes(': watching '));
      await watching.passDone(2);
      const rescans: string[] = [];
      watching.onLine((event) => {
        const match = /rescan requested: (.*)$/.exec(event.message);
        if (match) rescans.push(match[1]!);
      });
      const objectsBefore = (await emulator.stats()).data_objects!;
      await resetPeak(watching);
      const started = performance.now();
      generateTree(join(source, 'burst'), o.files);
      const objects = async () => (await emulator.stats()).data_objects! - objectsBefore;
      await converged(watching, objects, o.files);
      burst = {
        convergeMs: performance.now() - started,
        peak: await watching.rss('VmHWM'),
        rescans: [...rescans],
      };
    } finally {
      await watching.stop();
    }
    // A fresh daemon on the same state: its first pass is a no-change rescan of the tree.
    const plain = await startBenchDaemon({ ...spec, job: { ...job, watch: false } });
    let rescan: { durationMs: number; peak: number };
    try {
      // Pass numbers go on from the watching daemon's.
      const pass = await plain.waitFor((e) => e.job === 'bench' && e.durationMs !== undefined);
      rescan = { durationMs: Number(pass.durationMs), peak: await plain.rss('VmHWM') };
    } finally {
      await plain.stop();
    }
    const causes = burst.rescans.length === 0 ? 'none' : burst.rescans.join('; ');
    process.stderr.write(`[bench] watch burst: rescans it set off: ${causes}\n`);
    return [
      {
        name: `watch burst: ${o.files} files converged (put_sync, settle 1 s)`,
        value: burst.convergeMs / 1000,
        unit: 's',
        baseline: { name: 'no-change rescan of the tree', value: rescan.durationMs / 1000 },
      },
      {
        name: 'watch burst: daemon peak RSS',
        value: burst.peak / 2 ** 20,
        unit: 'MiB',
        baseline: { name: 'a daemon rescanning it unchanged', value: rescan.peak / 2 ** 20 },
      },
      {
        name: 'watch burst: rescans it set off (stalls, lost events)',
        value: burst.rescans.length,
        unit: 'passes',
      },
    ];
  } finally {
    await redis.stop();
    await emulator.stop();
  }
}

/** Waits until `objects()` reaches `files` and the job has nothing queued. */
async function converged(
  daemon: BenchDaemon,
  objects: () => Promise<number>,
  files: number,
): Promise<void> {
  const deadline = performance.now() + GIVE_UP_MS;
  while (performance.now() < deadline) {
    if ((await objects()) >= files && (await daemon.status()).queued === 0) return;
    await sleep(POLL_MS);
  }
  throw new Error(
    `the watched burst of ${files} files did not converge in ${GIVE_UP_MS / 60_000} min`,
  );
}

/** Resets the daemon's peak resident memory (VmHWM) to what it uses now. */
async function resetPeak(daemon: BenchDaemon): Promise<void> {
  await writeFile(`/proc/${daemon.pid}/clear_refs`, '5');
}
