/**
 * What the machine does while the scale benchmark runs: the 1-minute load average, sampled every
 * few seconds and summed up per phase (the machine is shared, so the load tells how pessimistic
 * the rates are), and the resident memory of the processes involved, read from /proc.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';

const SAMPLE_MS = 5000;

export interface LoadSummary {
  mean: number;
  max: number;
}

/** Samples /proc/loadavg until stopped; `phase()` sums up the samples since its last call. */
export class LoadSampler {
  #samples: number[] = [];
  readonly #timer: NodeJS.Timeout;

  constructor() {
    this.#timer = setInterval(() => {
      void loadAverage().then((load) => this.#samples.push(load));
    }, SAMPLE_MS);
  }

  /** The load since the previous call (or the start); the next phase starts now. */
  async phase(): Promise<LoadSummary> {
    const samples = [...this.#samples, await loadAverage()];
    this.#samples = [];
    return {
      mean: samples.reduce((sum, load) => sum + load, 0) / samples.length,
      max: Math.max(...samples),
    };
  }

  stop(): void {
    clearInterval(this.#timer);
  }
}

/** The 1-minute load average now. */
export async function loadAverage(): Promise<number> {
  return Number((await readFile('/proc/loadavg', 'utf8')).split(' ')[0]);
}

/** VmRSS (now) or VmHWM (peak) of a process, in bytes. */
export async function processMemory(pid: number, field: 'VmRSS' | 'VmHWM'): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kib = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1];
  if (kib === undefined) throw new Error(`no ${field} for process ${pid}`);
  return Number(kib) * 1024;
}

/** Resets a process's peak resident memory (VmHWM) to what it uses now. */
export async function resetPeak(pid: number): Promise<void> {
  await writeFile(`/proc/${pid}/clear_refs`, '5');
}

/**
 * The pid of the process that has `argument` among its arguments (the emulator's `--root`, a
 * fresh temporary directory no other process names): the test helper does not hand out its pid.
 */
export function pidByArgument(argument: string): number {
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    let args: string[];
    try {
      args = readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0');
    } catch {
      continue; // the process ended meanwhile
    }
    if (args.includes(argument)) return Number(name);
  }
  throw new Error(`no process has ${argument} among its arguments`);
}
