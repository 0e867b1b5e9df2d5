/**
 * `irods-ingestctl watch NAME`: follows one pass of a job by polling `GET /v1/jobs/NAME` until
 * the pass ends (see watch-progress.ts for which pass and what "ended" means). On a terminal a
 * cli-progress bar shows files done of those known, bytes, rate, ETA and failures; elsewhere a
 * plain progress line is printed every few seconds. Exit code: 0 the pass ended without
 * failures, 1 it had failures or the job disappeared, 130 interrupted.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import cliProgress from 'cli-progress';
import { ControlAnswerError, type Answer, type ControlClient } from './client.js';
import { formatByteRate, formatFileRate } from './human.js';
import type { JobStatus } from '../control/wire.js';
import {
  bytesText,
  endedWithFailures,
  endLine,
  etaText,
  filesText,
  progressFigures,
  progressLine,
  watchedPass,
  watchedPassEnded,
} from './watch-progress.js';

export interface WatchOptions {
  /** Where the bar or the lines go. */
  out: NodeJS.WritableStream;
  /** `out` is a terminal: draw a bar instead of printing lines. */
  tty: boolean;
  /** Ends the watch early (Ctrl-C); watch then exits 130. */
  signal?: AbortSignal;
  /** Time between two looks at the job. @defaultValue 1 s */
  pollMs?: number;
  /** Time between two plain progress lines off a terminal. @defaultValue 5 s */
  lineEveryMs?: number;
}

export const INTERRUPTED_EXIT = 130;

interface Display {
  show(job: JobStatus, watched: number): void;
  stop(): void;
}

export interface WatchResult {
  exitCode: number;
  /** The last answer about the job (what `--json` prints); undefined when the job is gone. */
  last: Answer<JobStatus> | undefined;
}

export async function watchJob(
  client: ControlClient,
  name: string,
  options: WatchOptions,
): Promise<WatchResult> {
  const { out, signal } = options;
  const pollMs = options.pollMs ?? 1_000;
  let last = await client.job(name);
  let job = last.value;
  const watched = watchedPass(job);
  let lastOfWatched = job.pass === watched ? job : undefined;
  const display = options.tty ? barDisplay(out) : lineDisplay(out, options.lineEveryMs ?? 5_000);
  try {
    display.show(job, watched);
    while (!watchedPassEnded(job, watched)) {
      try {
        await sleep(pollMs, undefined, { signal });
      } catch {
        display.stop();
        out.write('interrupted\n');
        return { exitCode: INTERRUPTED_EXIT, last };
      }
      try {
        last = await client.job(name);
        job = last.value;
      } catch (error) {
        if (!(error instanceof ControlAnswerError && error.status === 404)) throw error;
        display.stop();
        out.write(`job ${name} is gone (stopped or removed) before pass ${watched} ended\n`);
        return { exitCode: 1, last: undefined };
      }
      if (job.pass === watched) lastOfWatched = job;
      display.show(job, watched);
    }
  } finally {
    display.stop();
  }
  out.write(`${endLine(job, lastOfWatched, watched)}\n`);
  return { exitCode: endedWithFailures(job, lastOfWatched) ? 1 : 0, last };
}

function barDisplay(out: NodeJS.WritableStream): Display {
  const bar = new cliProgress.SingleBar(
    {
      stream: out,
      format: '{bar} {text}',
      barsize: 24,
      hideCursor: true,
      emptyOnZero: true,
      linewrap: false,
      fps: 5,
    },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  let stopped = false;
  return {
    show(job, watched) {
      const figures = progressFigures(job);
      const waiting = job.pass < watched;
      const text = waiting
        ? `job ${job.name}: ${job.state}, waiting for pass ${watched}`
        : [
            `pass ${job.pass}`,
            filesText(figures),
            bytesText(figures),
            `${formatFileRate(figures.filesPerSecond)} ${formatByteRate(figures.bytesPerSecond)}`,
            etaText(figures),
            `${figures.failed} failed`,
          ].join(' | ');
      const total = waiting ? 0 : (figures.filesKnown ?? 0);
      const value = waiting ? 0 : figures.filesDone;
      if (!started) {
        bar.start(total, value, { text });
        started = true;
        return;
      }
      bar.setTotal(total);
      bar.update(value, { text });
    },
    stop() {
      if (started && !stopped) bar.stop();
      stopped = true;
    },
  };
}

function lineDisplay(out: NodeJS.WritableStream, everyMs: number): Display {
  let lastAt = -Infinity;
  return {
    show(job, watched) {
      const now = performance.now();
      if (now - lastAt < everyMs) return;
      lastAt = now;
      out.write(`${progressLine(job, watched)}\n`);
    },
    stop() {},
  };
}
