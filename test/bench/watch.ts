/**
 * Watching (issue 4), with the real daemon:
 *
 * - Latency: a `put` job watching a 20,000-file tree; files are created at a steady rate (50/s
 *   for 60 s by default) and each one's latency runs from its close() to the daemon's log line
 *   saying its upload was confirmed by the emulator (read as it arrives). p50 and p99, next to
 *   the job's settle time, which every file waits out by design.
 * - Cost on a big tree: the watcher's ready time and the daemon's resident memory while it
 *   watches the 200,000-file tree, next to a plain no-change rescan of the same tree and the
 *   memory of a daemon that does not watch.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startEmulator } from '../helpers/emulator.js';
import { startRedis } from '../helpers/redis.js';
import { startBenchDaemon, type BenchDaemon, type BenchJob } from './daemon.js';
import type { BenchRow } from './measure.js';
import { generateTree, type GeneratedTree } from './tree.js';

export interface WatchBenchOptions {
  workDir: string;
  /** The big tree (of the scan benchmarks). */
  tree: GeneratedTree;
  /** Files in the watched tree of the latency run. */
  latencyTreeFiles: number;
  filesPerSecond: number;
  seconds: number;
  workers: number;
}

const SETTLE_MS = 500;
const home = '/tempZone/home/rods';

export async function benchWatch(o: WatchBenchOptions): Promise<BenchRow[]> {
  const latency = await measureLatency(o);
  const watching = await measureWatching(o, true);
  const plain = await measureWatching(o, false);
  const settle = { name: 'settle', value: SETTLE_MS };
  return [
    {
      name: `watch latency p50 (${latency.count} files at ${o.filesPerSecond}/s)`,
      value: latency.p50,
      unit: 'ms',
      baseline: settle,
      goal: `<= settle + 300 ms`,
    },
    {
      name: `watch latency p99`,
      value: latency.p99,
      unit: 'ms',
      baseline: settle,
      goal: `<= settle + 1500 ms`,
    },
    {
      name: `watcher ready (${watching.directories} directories, ${o.tree.files} files)`,
      value: watching.readyMs,
      unit: 'ms',
      baseline: { name: 'no-change rescan of the tree', value: plain.rescanMs },
    },
    {
      name: 'daemon RSS watching the tree',
      value: watching.rss / 2 ** 20,
      unit: 'MiB',
      baseline: { name: 'not watching', value: plain.rss / 2 ** 20 },
    },
  ];
}

async function withDaemon<T>(
  o: WatchBenchOptions,
  job: BenchJob,
  logLevel: string,
  run: (daemon: BenchDaemon) => Promise<T>,
): Promise<T> {
  const emulator = await startEmulator();
  const redis = await startRedis({ persistence: true });
  try {
    const daemon = await startBenchDaemon({
      workDir: o.workDir,
      irodsUrl: emulator.url,
      redisUrl: redis.url,
      workers: o.workers,
      job,
      logLevel,
    });
    try {
      return await run(daemon);
    } finally {
      await daemon.stop();
    }
  } finally {
    await redis.stop();
    await emulator.stop();
  }
}

async function measureLatency(o: WatchBenchOptions) {
  const tree = generateTree(join(o.workDir, 'watch-latency-tree'), o.latencyTreeFiles);
  const job: BenchJob = {
    source: tree.root,
    target: `${home}/bench-watch`,
    operation: 'put',
    rescanInterval: '1h',
    watch: true,
    settle: `${SETTLE_MS}ms`,
  };
  return withDaemon(o, job, 'debug', async (daemon) => {
    await daemon.passDone(1);
    await daemon.waitFor((e) => e.message.includes(': watching '));
    await daemon.passDone(2);
    const closedAt = new Map<string, number>();
    const landedAt = new Map<string, number>();
    daemon.onLine((event, at) => {
      const match = /^upload (incoming\/.+)$/.exec(event.message);
      if (match) landedAt.set(match[1]!, at);
    });
    await mkdir(join(tree.root, 'incoming'));
    const total = o.filesPerSecond * o.seconds;
    const start = performance.now();
    for (let i = 0; i < total; i++) {
      // A steady rate: file i is due at start + i / rate.
      const due = start + (i * 1000) / o.filesPerSecond;
      const wait = due - performance.now();
      if (wait > 0) await sleep(wait);
      const name = `incoming/f${String(i).padStart(5, '0')}.dat`;
      await writeFile(join(tree.root, name), `file ${i}\n`);
      closedAt.set(name, performance.now());
    }
    const deadline = performance.now() + 60_000;
    while (landedAt.size < total && performance.now() < deadline) await sleep(200);
    if (landedAt.size < total) {
      throw new Error(`only ${landedAt.size} of ${total} watched files landed within 60 s`);
    }
    const latencies = [...closedAt].map(([name, at]) => landedAt.get(name)! - at);
    latencies.sort((a, b) => a - b);
    const percentile = (p: number) =>
      latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))]!;
    return { count: total, p50: percentile(0.5), p99: percentile(0.99) };
  });
}

async function measureWatching(o: WatchBenchOptions, watch: boolean) {
  const job: BenchJob = {
    source: o.tree.root,
    target: `${home}/bench-watch-big`,
    operation: 'none',
    rescanInterval: watch ? '1h' : '1s',
    watch,
  };
  return withDaemon(o, job, 'info', async (daemon) => {
    if (watch) {
      await daemon.passDone(1);
      const ready = await daemon.waitFor((e) => e.message.includes(': watching '));
      // The catch-up pass after the watcher came up: its memory is part of watching too.
      await daemon.passDone(2);
      return {
        readyMs: Number(ready.readyMs),
        directories: Number(ready.directories),
        rss: await daemon.rss(),
        rescanMs: 0,
      };
    }
    await daemon.passDone(1);
    const rescan = await daemon.passDone(2);
    return { readyMs: 0, directories: 0, rss: await daemon.rss(), rescanMs: rescan.durationMs };
  });
}
