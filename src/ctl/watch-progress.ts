/**
 * The decisions behind `irods-ingestctl watch NAME`, from successive JobStatus answers alone.
 *
 * Which pass is watched: the one in progress when watch starts (a pass has started and not
 * ended, and the job is running or paused); for a job that is done, failed or stopped, its last
 * pass (there will be no next one); otherwise (idle between passes, or before the first) the
 * next pass, `pass + 1`.
 *
 * When the watched pass W has ended (the definition `watch` documents):
 * - the job reports a later pass (`pass > W`), or
 * - it reports W and either `passEndedAt` is set and not before `passStartedAt`, or its state is
 *   idle, done or failed (nothing of W is running any more).
 * A paused job has not ended its pass; watch keeps waiting.
 *
 * Whether it ended with failures: `current.failed > 0` of the last answer that reported W, or a
 * job state of failed (the end line then gives the pass's failure or refusal reason). When W
 * came and went between two polls (never seen), the job's failure list decides
 * (`failures > 0`), as the counters of W are gone by then.
 */
import { formatBytes, formatPassSummary } from '../core/pass-summary.js';
import { visibleText } from '../core/visible-text.js';
import { formatByteRate, formatCount, formatFileRate, formatSpan } from './human.js';
import type { JobStatus } from '../control/wire.js';

export function watchedPass(job: JobStatus): number {
  if (passInProgress(job)) return job.pass;
  if (job.state === 'done' || job.state === 'failed' || job.state === 'stopped') return job.pass;
  return job.pass + 1;
}

export function passInProgress(job: JobStatus): boolean {
  return job.pass > 0 && !passEnded(job) && (job.state === 'running' || job.state === 'paused');
}

export function watchedPassEnded(job: JobStatus, watched: number): boolean {
  if (job.pass > watched) return true;
  if (job.pass < watched) return false;
  return passEnded(job) || job.state === 'idle' || job.state === 'done' || job.state === 'failed';
}

/** The reported pass has an end time, and it is not the end of an earlier pass. */
function passEnded(job: JobStatus): boolean {
  if (job.passEndedAt === undefined) return false;
  if (job.passStartedAt === undefined) return true;
  return Date.parse(job.passEndedAt) >= Date.parse(job.passStartedAt);
}

/**
 * Whether the watched pass had failures. `lastOfWatched` is the last answer that reported the
 * watched pass (undefined if none did); `final` is the answer that showed the end.
 */
export function endedWithFailures(final: JobStatus, lastOfWatched: JobStatus | undefined): boolean {
  if (lastOfWatched === undefined) return final.failures > 0;
  return lastOfWatched.current.failed > 0 || lastOfWatched.state === 'failed';
}

/** The figures the bar and the plain progress line show. */
export interface ProgressFigures {
  filesDone: number;
  /** Files the pass knows it has to act on; undefined when the daemon does not report it. */
  filesKnown?: number;
  /** The scan is still finding work, so `filesKnown` may grow. */
  growing: boolean;
  bytesDone: number;
  bytesKnown?: number;
  failed: number;
  filesPerSecond: number;
  bytesPerSecond: number;
  /** Seconds left at the current rate; undefined when unknown (no total or no rate). */
  etaSeconds?: number;
}

export function progressFigures(job: JobStatus): ProgressFigures {
  const { current, rate, progress } = job;
  const failed = current.failed;
  if (progress === undefined) {
    // Without the daemon's progress the finished actions are the best measure, with no total.
    return {
      filesDone: current.new + current.updated + current.deleted + failed,
      growing: true,
      bytesDone: current.bytes,
      failed,
      filesPerSecond: rate.files,
      bytesPerSecond: rate.bytes,
    };
  }
  const left = Math.max(0, progress.filesKnown - progress.filesDone);
  return {
    filesDone: progress.filesDone,
    filesKnown: progress.filesKnown,
    growing: !progress.scanComplete,
    bytesDone: progress.bytesDone,
    bytesKnown: progress.bytesKnown,
    failed,
    filesPerSecond: rate.files,
    bytesPerSecond: rate.bytes,
    etaSeconds: left === 0 ? 0 : rate.files > 0 ? left / rate.files : undefined,
  };
}

/** "120 of 500+ files" (plus while the scan runs), or "120 files" without a total. */
export function filesText(figures: ProgressFigures): string {
  if (figures.filesKnown === undefined) return `${formatCount(figures.filesDone)} files`;
  return `${formatCount(figures.filesDone)} of ${formatCount(figures.filesKnown)}${figures.growing ? '+' : ''} files`;
}

export function bytesText(figures: ProgressFigures): string {
  if (figures.bytesKnown === undefined || figures.bytesKnown === 0)
    return formatBytes(figures.bytesDone);
  return `${formatBytes(figures.bytesDone)} of ${formatBytes(figures.bytesKnown)}`;
}

export function etaText(figures: ProgressFigures): string {
  return figures.etaSeconds === undefined
    ? 'ETA ?'
    : `ETA ${formatSpan(figures.etaSeconds * 1000)}`;
}

/** One plain progress line (off a TTY). */
export function progressLine(job: JobStatus, watched: number): string {
  if (job.pass < watched) {
    return `job ${job.name}: ${job.state}, waiting for pass ${watched}`;
  }
  const f = progressFigures(job);
  return [
    `job ${job.name} pass ${job.pass}: ${job.state}`,
    filesText(f),
    bytesText(f),
    `${formatFileRate(f.filesPerSecond)}, ${formatByteRate(f.bytesPerSecond)}`,
    etaText(f),
    `${f.failed} failed`,
  ].join(', ');
}

/** The closing line: the summary of the watched pass as the daemon logs it, when it was seen. */
export function endLine(
  final: JobStatus,
  lastOfWatched: JobStatus | undefined,
  watched: number,
): string {
  // A pass that failed or was refused has no summary to show, but a reason.
  if (final.state === 'failed' && final.refused !== undefined) {
    return `job ${final.name}: its passes are refused: ${visibleText(final.refused.reason)}`;
  }
  if (final.state === 'failed' && final.passFailure !== undefined) {
    return `job ${final.name} pass ${final.pass} failed: ${visibleText(final.passFailure.reason)}`;
  }
  if (lastOfWatched === undefined) {
    return `job ${final.name} pass ${watched} ended between two looks; ${final.failures} file(s) on the failure list`;
  }
  const started = Date.parse(lastOfWatched.passStartedAt ?? '');
  const ended = Date.parse(lastOfWatched.passEndedAt ?? '');
  const durationMs =
    Number.isNaN(started) || Number.isNaN(ended) || ended < started ? 0 : ended - started;
  return formatPassSummary(final.name, watched, { ...lastOfWatched.current, durationMs });
}
