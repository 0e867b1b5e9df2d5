/**
 * What the job runner does around its passes: the progress line every few seconds while a pass
 * runs; when it is done, the summary line at info, the `pass-done` event and the pass metrics
 * (log fields and event data are the pass record's counters by name, core/counters.ts); the
 * wait after a pass that failed and what status shows of it; and queueing the failure list
 * again (`retry`).
 */
import { createHash } from 'node:crypto';
import type { JobConfig } from '../config/index.js';
import type { EventHub } from '../core/event-hub.js';
import type { PassFailure } from '../core/job-status.js';
import { formatPassSummary } from '../core/pass-summary.js';
import type { Logger } from '../log.js';
import type { JobQueue } from '../queue/queue.js';
import { BATCH_KINDS, batchesFor } from '../queue/payload.js';
import type { FailureStore, JobRecords, PassRecord } from '../state/index.js';
import { backoffDelay } from '../core/retry.js';
import { clip, MAX_KEPT_MESSAGE, messageOf } from '../errors.js';
import { PassRefusedError, type JobSafety } from './job-safety.js';
import type { JobMetrics } from './job-status.js';

const PROGRESS_EVERY_MS = 5_000;
/** Passes that failed, and reading the recorded source and target, are tried again so. */
export const RETRY_BACKOFF = { baseMs: 2_000, maxMs: 5 * 60_000 };
/** A refused pass is tried again after the rescan interval, but at least this often. */
const REFUSED_RETRY_MAX_MS = 60_000;

/** The log line and the `pass-started` event of pass `pass`; `reason`: why it runs early. */
export function announcePass(
  { job, logger, events }: { job: JobConfig; logger: Logger; events: EventHub },
  pass: number,
  reason: string | undefined,
): void {
  const why = reason === undefined ? '' : `; rescan: ${reason}`;
  const started = `job ${job.name} pass ${pass} started: ${job.source} → ${job.target} (${job.operation}${why})`;
  logger.info(started);
  events.publish('pass-started', started, { job: job.name, data: { pass } });
}

/**
 * Whether a one-pass job is done already: its last pass completed, in an earlier run, with the
 * job's settings as they are now (it is said so in the log).
 */
export function doneEarlier(
  job: JobConfig,
  record: PassRecord | undefined,
  logger: Logger,
): boolean {
  if (job.rescan_interval !== 0 || record?.endedAt === undefined) return false;
  if (record.settings !== settingsDigest(job)) return false;
  logger.info(
    `job ${job.name} is done: pass ${record.pass} completed in an earlier run (irods-ingestctl rescan ${job.name} passes again)`,
    { job: job.name },
  );
  return true;
}

/** Logs the pass's progress every few seconds until the returned timer is cleared. */
export function logProgress(
  name: string,
  pass: number,
  records: JobRecords,
  queue: JobQueue,
  logger: Logger,
): NodeJS.Timeout {
  const log = async () => {
    try {
      const { counts } = await records.read();
      const queued = await queue.outstanding();
      logger.info(
        `job ${name} pass ${pass}: ${counts.seen} seen, ${counts.new} new, ${counts.updated} updated, ${counts.deleted} deleted, ${counts.failed} failed, ${queued} batches queued`,
        { job: name, pass, ...counts, queued },
      );
    } catch {
      // Progress is best effort; the pass itself reports failures.
    }
  };
  return setInterval(() => void log(), PROGRESS_EVERY_MS);
}

/** The summary line, the `pass-done` event and the metrics of a pass that is done. */
export function reportPass(
  {
    job,
    logger,
    metrics,
    events,
  }: {
    job: JobConfig;
    logger: Logger;
    metrics: JobMetrics;
    events: EventHub;
  },
  pass: number,
  record: PassRecord,
): void {
  const endedAt = record.endedAt ?? Date.now();
  const durationMs = endedAt - (record.startedAt ?? endedAt);
  metrics.passDone(job.name, pass, durationMs / 1000, endedAt);
  const summary = formatPassSummary(job.name, pass, { ...record.counts, durationMs });
  logger.info(summary, { job: job.name, pass, ...record.counts, durationMs });
  events.publish('pass-done', summary, {
    job: job.name,
    data: { pass, ...record.counts, durationMs },
  });
}

/** Identifies a job's settings, so that a changed job is not taken for one that is done. */
export function settingsDigest(job: JobConfig): string {
  return createHash('sha256').update(JSON.stringify(job)).digest('base64url');
}

/** How long to wait after a failed pass (logging why); a refused one waits at most a minute. */
export function failedPassDelay(
  { job, logger }: { job: JobConfig; logger: Logger },
  safety: JobSafety,
  error: unknown,
  failures: number,
): number {
  if (error instanceof PassRefusedError) {
    const delay = Math.min(job.rescan_interval || REFUSED_RETRY_MAX_MS, REFUSED_RETRY_MAX_MS);
    safety.logRefusal(error.refusal, delay);
    return delay;
  }
  const delay = backoffDelay(failures, RETRY_BACKOFF, Math.random());
  logger.error(
    `job ${job.name}: the pass failed: ${messageOf(error)}; next try in ${Math.round(delay / 1000)} s`,
    { job: job.name },
  );
  return delay;
}

/**
 * What `status` shows after a pass failed with `error`, `previous` being the failures in a row
 * before it; none for a refused pass, whose reason `refused` shows.
 */
export function passFailureAfter(
  previous: PassFailure | undefined,
  error: unknown,
  now: Date,
): PassFailure | undefined {
  if (error instanceof PassRefusedError) return undefined;
  return {
    reason: clip(messageOf(error), MAX_KEPT_MESSAGE),
    since: previous?.since ?? now.toISOString(),
    attempts: (previous?.attempts ?? 0) + 1,
  };
}

/** Queues every file on the failure list again, under pass `pass`; returns how many. */
export async function requeueFailures(
  job: JobConfig,
  failures: FailureStore,
  queue: JobQueue,
  pass: number,
  stopped: () => boolean,
): Promise<number> {
  const sync: string[] = [];
  const deletes: string[] = [];
  for await (const failure of failures.all()) {
    (failure.operation.startsWith('delete') ? deletes : sync).push(failure.relPath);
  }
  const owner = { name: job.name, filesPerTask: job.files_per_task };
  // The failure records stay until the retried files succeed (or fail again, replacing them).
  await queue.add(
    [
      ...batchesFor(BATCH_KINDS.sync, owner, pass, sync),
      ...batchesFor(BATCH_KINDS.delete, owner, pass, deletes),
    ],
    stopped,
  );
  return sync.length + deletes.length;
}
