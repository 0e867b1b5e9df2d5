/**
 * Runs one queued batch: takes the files' locks, looks at each entry again, carries out its
 * action through the worker pipelines, and sorts the outcomes. Each file stands alone (upstream
 * skipped the rest of a batch after one failure):
 *
 * - done: its state was recorded by the pipeline after iRODS confirmed; an old failure is cleared;
 * - retry: a retryable failure, queued again by the caller with backoff, up to MAX_ATTEMPTS;
 * - failed: permanent, or retryable too often; listed with its reason (`FailureStore`);
 * - busy: another worker holds its lock (the file is in flight); queued again after it.
 *
 * Anything else (Redis gone, a bug) is thrown, and the queue runs the whole batch again later,
 * which is safe since every action is idempotent and nothing half-done was recorded.
 */
import { createHash } from 'node:crypto';
import type { JobConfig } from '../config/index.js';
import type { RecordedState } from '../core/decide.js';
import { sendsBytes } from '../core/job-rules.js';
import { decodeRelPath, type ObservedEntry } from '../core/entry.js';
import { mapRelPath, UnmappablePathError } from '../core/names.js';
import type { IrodsClient } from '../irods/index.js';
import type { Logger } from '../log.js';
import { FILE_OUTCOMES, type FileOutcome, type Metrics } from '../metrics/index.js';
import { BATCH_KINDS, type BatchPayload } from '../queue/payload.js';
import type {
  RecordEntry,
  FailureStore,
  FileLocks,
  FileStateStore,
  JobRecords,
  WriteHandles,
} from '../state/index.js';
import type { PassCounts } from '../state/job-records.js';
import { deleteEntry } from '../worker/deletes.js';
import { syncDirectory } from '../worker/directories.js';
import { syncFile } from '../worker/actions.js';
import type { WorkerDeps } from '../worker/context.js';
import { asWorkerError, WorkerError } from '../worker/errors.js';
import { isStatFailure, type StatAnswer, type StatThread } from '../sources/stat-thread.js';
import { entryOf, sourcePathOf } from './observe.js';

/**
 * Tries per file for retryable failures before the file is listed as failed. With the job
 * runner's backoff (2 s doubling with jitter, at most 5 min) that rides out 7 to 15 minutes of
 * iRODS being unreachable.
 */
export const MAX_ATTEMPTS = 10;
/** A lock outlives a dead worker by at most this long; renewed while its batch runs. */
export const LOCK_TTL_MS = 30_000;
const LOCK_RENEW_MS = 10_000;

export interface BatchDeps {
  readonly job: JobConfig;
  readonly client: IrodsClient;
  readonly states: FileStateStore;
  readonly failures: FailureStore;
  readonly records: JobRecords;
  readonly locks: FileLocks;
  /** Open parallel-write handles, so a crashed upload's handle is shut down on the next try. */
  readonly handles: WriteHandles;
  /** Identifies this run of the batch in its locks; unique per run. */
  readonly owner: string;
  readonly logger: Logger;
  readonly metrics: Metrics;
  /** Looks at a batch's files, all at once, off the main thread. */
  readonly stats: StatThread;
}

export interface BatchResult {
  /** Text paths to run again after a backoff (retryable failures). */
  readonly retry: string[];
  /** Text paths another worker holds: run again shortly. */
  readonly busy: string[];
}

const sha256Hex = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** One path of a batch that this run holds the lock of. */
interface BatchEntry {
  /** The payload's text form (`encodeRelPath`). */
  readonly text: string;
  readonly relPath: Uint8Array;
  readonly sourcePath: string | Buffer;
}

export async function processBatch(deps: BatchDeps, batch: BatchPayload): Promise<BatchResult> {
  const locked = await deps.locks.tryLock(batch.paths, LOCK_TTL_MS, deps.owner);
  const mine = batch.paths.filter((_, i) => locked[i]);
  const busy = batch.paths.filter((_, i) => !locked[i]);
  const counts: Partial<PassCounts> = {};
  const outcomes = new Map<FileOutcome, number>();
  const retry: string[] = [];
  const writes = new BatchWrites();
  // A long upload keeps its locks; a crashed worker's locks lapse within LOCK_TTL_MS.
  const renew = setInterval(() => {
    deps.locks.extend(mine, LOCK_TTL_MS, deps.owner).catch(() => undefined);
  }, LOCK_RENEW_MS);
  try {
    const workerDeps = workerDepsOf(deps, writes);
    const entries = mine.map((text): BatchEntry => {
      const relPath = decodeRelPath(text);
      return { text, relPath, sourcePath: sourcePathOf(deps.job.source, relPath) };
    });
    const recorded = await deps.states.getMany(entries.map((entry) => entry.relPath));
    // Deletes act on the recorded state alone; everything else on what is on disk now.
    const looks =
      batch.kind === BATCH_KINDS.delete
        ? []
        : await deps.stats.statMany(
            entries.map((entry) => entry.sourcePath),
            deps.job.follow_symlinks,
          );
    for (const [i, entry] of entries.entries()) {
      const { text } = entry;
      const outcome = await runEntry(deps, workerDeps, batch, entry, recorded[i], looks[i]);
      const kind = outcomeKind(outcome);
      outcomes.set(kind, (outcomes.get(kind) ?? 0) + 1);
      if (outcome === 'retry') retry.push(text);
      else if (outcome !== undefined) add(counts, outcome);
      if (outcome !== 'retry' && !outcome?.failed) writes.succeeded.push(text);
    }
  } finally {
    clearInterval(renew);
    // The states go in before the locks are released, so that no other worker sees a file
    // unlocked with its old state. A crash before this line only makes the batch run again.
    await writes.flush(deps);
    await deps.locks.unlock(mine, deps.owner);
    await deps.records.incrementBy(counts);
  }
  // Counted once the batch's writes went through: a batch run again is not counted twice.
  for (const [kind, n] of outcomes) deps.metrics.fileOutcome(deps.job.name, kind, n);
  deps.metrics.bytes(deps.job.name, counts.bytes ?? 0);
  return { retry, busy };
}

/**
 * What a batch writes to Redis about its files, gathered so that it costs one round trip per
 * kind of write and batch instead of one per file. The states are still written only for
 * actions iRODS confirmed.
 */
class BatchWrites {
  readonly states: RecordEntry[] = [];
  /** Files done (or gone): an old failure record of theirs is stale. */
  readonly succeeded: string[] = [];

  async flush(deps: BatchDeps): Promise<void> {
    if (this.states.length > 0) await deps.states.record(this.states);
    if (this.succeeded.length > 0) await deps.failures.clear(...this.succeeded);
  }
}

type EntryOutcome = Partial<PassCounts> | 'retry' | undefined;

function outcomeKind(outcome: EntryOutcome): FileOutcome {
  if (outcome === 'retry') return FILE_OUTCOMES.retried;
  if (outcome?.failed) return FILE_OUTCOMES.failed;
  if (outcome?.new) return FILE_OUTCOMES.new;
  if (outcome?.updated) return FILE_OUTCOMES.updated;
  if (outcome?.deleted) return FILE_OUTCOMES.deleted;
  return FILE_OUTCOMES.skipped;
}

async function runEntry(
  deps: BatchDeps,
  workerDeps: WorkerDeps,
  batch: BatchPayload,
  { text, relPath, sourcePath }: BatchEntry,
  recorded: RecordedState | undefined,
  look: StatAnswer,
): Promise<EntryOutcome> {
  const { job } = deps;
  try {
    const { logicalPath, mapped, originalB64 } = mapRelPath(relPath, job.target, sha256Hex);
    if (batch.kind === BATCH_KINDS.delete) {
      if (recorded === undefined) return undefined;
      await deleteEntry(workerDeps, { relPath, logicalPath, type: recorded.type });
      // keep only forgets the state: nothing was deleted, so the summary does not say so.
      if (job.delete === 'keep') return undefined;
      deps.logger.debug(`deleted ${text} (${job.delete})`, { job: job.name });
      return { deleted: 1 };
    }
    if (isStatFailure(look)) {
      const cause = Object.assign(new Error(look.message), { code: look.errno });
      throw asWorkerError(cause, { relPath: text, operation: job.operation, step: 'observe' });
    }
    // Gone since it was queued: the next complete scan deletes it.
    if (look === undefined) return undefined;
    const entry = entryOf(relPath, look);
    if (!syncable(entry)) return undefined;
    const task = {
      entry,
      sourcePath,
      logicalPath,
      mapped,
      originalB64,
      // The batch looked at all its files before the first one's action. A registration follows
      // its look within the batch's own time; an upload, after the uploads before it, so it looks
      // again right before it reads the file.
      justObserved: !sendsBytes(job.operation),
    };
    const outcome =
      entry.type === 'dir'
        ? await syncDirectory(workerDeps, task)
        : await syncFile(workerDeps, task, recorded);
    if (outcome.recorded === undefined || outcome.action.kind === 'skip') return undefined;
    deps.logger.debug(`${outcome.action.kind} ${text}`, { job: job.name });
    return {
      [recorded === undefined ? 'new' : 'updated']: 1,
      bytes: outcome.bytesSent,
    };
  } catch (error) {
    return failed(deps, batch, text, error);
  }
}

async function failed(
  deps: BatchDeps,
  batch: BatchPayload,
  text: string,
  error: unknown,
): Promise<EntryOutcome> {
  const known = error instanceof WorkerError || error instanceof UnmappablePathError;
  if (!known) throw error;
  const retryable = error instanceof WorkerError && error.retryable;
  if (retryable && batch.attempt < MAX_ATTEMPTS) {
    deps.logger.debug(`will retry ${text} (attempt ${batch.attempt}): ${error.message}`, {
      job: deps.job.name,
    });
    return 'retry';
  }
  await deps.failures.record({
    relPath: text,
    operation:
      batch.kind === BATCH_KINDS.delete ? `delete (${deps.job.delete})` : deps.job.operation,
    ...(error instanceof WorkerError && error.irodsCode !== undefined
      ? { irodsCode: error.irodsCode }
      : {}),
    ...(error instanceof WorkerError && error.errno !== undefined ? { errno: error.errno } : {}),
    message: error.message,
    attempts: batch.attempt,
    at: Date.now(),
  });
  deps.logger.debug(`failed ${text}: ${error.message}`, { job: deps.job.name });
  return { failed: 1 };
}

/** The worker pipelines' view of the stores: record after iRODS confirmed, forget on delete. */
function workerDepsOf(deps: BatchDeps, writes: BatchWrites): WorkerDeps {
  return {
    job: deps.job,
    client: deps.client,
    handles: deps.handles,
    record: (relPath, state) => {
      writes.states.push({ relPath, state });
      return Promise.resolve();
    },
    forget: async (relPath, type) => {
      if (type === 'dir') await deps.states.forgetTree(relPath);
      else await deps.states.forget([relPath]);
    },
  };
}

/** What changed type since the scan (a file became a fifo) is left to the next scan. */
function syncable(entry: ObservedEntry): boolean {
  return entry.type === 'file' || entry.type === 'dir';
}

function add(into: Partial<PassCounts>, more: Partial<PassCounts>): void {
  for (const [key, value] of Object.entries(more) as [keyof PassCounts, number][]) {
    into[key] = (into[key] ?? 0) + value;
  }
}
