/** Small timing tools shared by the benchmarks. */
import { readFile } from 'node:fs/promises';

/** Runs `task(0..count-1)` with at most `concurrency` in flight; returns the elapsed seconds. */
export async function timeConcurrent(
  count: number,
  concurrency: number,
  task: (i: number) => Promise<void>,
): Promise<number> {
  let next = 0;
  const start = performance.now();
  const lane = async () => {
    for (let i = next++; i < count; i = next++) await task(i);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, lane));
  return (performance.now() - start) / 1000;
}

/** Elapsed seconds of one async action. */
export async function timeOnce(action: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await action();
  return (performance.now() - start) / 1000;
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export interface BenchRow {
  name: string;
  value: number;
  unit: string;
  /** What `value` is compared with, measured in the same run. */
  baseline?: { name: string; value: number };
  goal?: string;
}

export function formatRows(rows: BenchRow[]): string {
  const lines = rows.map((r) => {
    const value = `${r.value.toFixed(r.value >= 100 ? 0 : 1)} ${r.unit}`;
    const vs = r.baseline
      ? `${(r.value / r.baseline.value).toFixed(2)}x of ${r.baseline.name} (${r.baseline.value.toFixed(r.baseline.value >= 100 ? 0 : 1)} ${r.unit})`
      : '';
    return [r.name, value, vs, r.goal ? `goal ${r.goal}` : ''];
  });
  const widths = [0, 1, 2].map((c) => Math.max(...lines.map((l) => l[c]!.length)));
  return lines
    .map((l) =>
      l
        .map((cell, c) => (c < 3 ? cell.padEnd(widths[c]!) : cell))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** CPU seconds (user + system) a process has used so far, from /proc/PID/stat. */
export async function processCpuSeconds(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name, which is in parentheses and may hold spaces.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
}

/** CPU seconds of this process so far. */
export function ownCpuSeconds(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
}

/** Linux's USER_HZ, which /proc reports times in: 100 on every architecture Node runs on. */
const CLOCK_TICKS_PER_SECOND = 100;
