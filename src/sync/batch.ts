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
 *
 * A delete was decided when a pass listed the directory, maybe minutes ago; it is checked again
 * right before it runs: the source root must still be the recorded one (a source unmounted since
 * deletes nothing), and the entry still gone. What is back on disk is synced instead.
 */
import { createHash } from 'node:crypto';
import type { JobConfig } from '../config/index.js';
import type { RecordedState } from '../core/decide.js';
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
import type { WorkerDeps } from '../worker/context.js';
import { asWorkerError, WorkerError } from '../worker/errors.js';
import { isStatFailure, type StatAnswer, type StatThread } from '../sources/stat-thread.js';
import { syncEntry } from './batch-sync.js';
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
  /**
   * Why deletes may not run now (the source root is not the one recorded for the job's source
   * and target), or undefined when they may.
   */
  readonly deletesRefused: () => Promise<string | undefined>;
  /** Asks the job for a pass: something came back that the last one took for gone. */
  readonly rescan: (why: string) => void;
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
    const refused = batch.kind === BATCH_KINDS.delete ? await deps.deletesRefused() : undefined;
    if (refused !== undefined) {
      // They stay recorded: the next pass decides again, once the source is back.
      deps.logger.warn(
        `job ${deps.job.name}: ${mine.length} delete(s) not carried out: ${refused}`,
        { job: deps.job.name },
      );
      deps.rescan(`deletes were not carried out: ${refused}`);
    }
    const entries = (refused === undefined ? mine : []).map((text): BatchEntry => {
      const relPath = decodeRelPath(text);
      return { text, relPath, sourcePath: sourcePathOf(deps.job.source, relPath) };
    });
    const recorded = await deps.states.getMany(entries.map((entry) => entry.relPath));
    // A delete looks at the disk too: what is back is synced instead.
    const looks = await deps.stats.statMany(
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
  entry: BatchEntry,
  recorded: RecordedState | undefined,
  look: StatAnswer,
): Promise<EntryOutcome> {
  const { job } = deps;
  const { text, relPath } = entry;
  try {
    const mappedPath = mapRelPath(relPath, job.target, sha256Hex);
    if (isStatFailure(look)) {
      // Unreadable is not gone: a delete waits as much as a sync does.
      const cause = Object.assign(new Error(look.message), { code: look.errno });
      throw asWorkerError(cause, { relPath: text, operation: job.operation, step: 'observe' });
    }
    if (batch.kind === BATCH_KINDS.delete) {
      if (recorded === undefined) return undefined;
      if (look === undefined)
        return await runDelete(deps, workerDeps, entry, mappedPath.logicalPath, recorded);
      deps.logger.info(`job ${job.name}: ${text} is back on disk: synced instead of deleted`, {
        job: job.name,
      });
      // What changed in a directory while it was away was listed by no pass.
      if (entryOf(relPath, look).type === 'dir')
        deps.rescan(`${text} came back before its delete ran`);
    }
    // Gone since it was queued: the next complete scan deletes it.
    if (look === undefined) return undefined;
    const observed = entryOf(relPath, look);
    if (!syncable(observed)) return undefined;
    return await syncEntry(deps, workerDeps, { ...entry, ...mappedPath }, observed, recorded);
  } catch (error) {
    return failed(deps, batch, text, error);
  }
}

/** A recorded entry that is gone from the disk: deleted per the job's delete mode. */
async function runDelete(
  deps: BatchDeps,
  workerDeps: WorkerDeps,
  { text, relPath, sourcePath }: BatchEntry,
  logicalPath: string,
  recorded: RecordedState,
): Promise<EntryOutcome> {
  const { job } = deps;
  // A vanished tree may take a while; a directory that comes back stops it.
  const stillGone = async () => {
    const [now] = await deps.stats.statMany([sourcePath], job.follow_symlinks);
    return now === undefined;
  };
  const outcome = await deleteEntry(workerDeps, {
    relPath,
    logicalPath,
    type: recorded.type,
    ...(recorded.type === 'dir' ? { stillGone } : {}),
  });
  if (outcome.back) {
    deps.rescan(`${text} came back while it was being deleted`);
    return undefined;
  }
  if (outcome.stays !== undefined) {
    deps.logger.debug(`kept ${logicalPath}: it holds what the job did not put there`, {
      job: job.name,
    });
  }
  // keep, or nothing was there: the summary does not call it a delete.
  if (!outcome.removed) return undefined;
  deps.logger.debug(`deleted ${text} (${job.delete})`, { job: job.name });
  return { deleted: 1 };
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
    recorded: {
      children: (dir) => deps.states.recordedChildren(dir),
      forget: (relPaths) => deps.states.forget(relPaths),
    },
    logicalPathOf: (relPath) => mapRelPath(relPath, deps.job.target, sha256Hex).logicalPath,
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
