/**
 * How a batch run ends: the states its actions gathered are written (fenced by the file locks),
 * the locks released, and each file's outcome settled and counted.
 *
 * A file whose lock the run lost while acting on it is not done, whatever its action reported:
 * its state was refused, or its writes may have landed after those of the worker that took the
 * file over. It is tried again, and the recheck mark the release leaves makes that try compare
 * what iRODS holds with the file before deciding anything else.
 */
import type { JobConfig } from '../config/index.js';
import { encodeRelPath } from '../core/entry.js';
import { UnmappablePathError } from '../core/names.js';
import type { Logger } from '../log.js';
import { FILE_OUTCOMES, type FileOutcome } from '../metrics/index.js';
import { BATCH_KINDS, type BatchPayload } from '../queue/payload.js';
import {
  LockLostError,
  type FailureStore,
  type FileLocks,
  type FileStateStore,
  type JobRecords,
  type RecordEntry,
} from '../state/index.js';
import type { PassCounts } from '../state/job-records.js';
import { asWorkerError, FileTimeoutError, WorkerError } from '../worker/errors.js';

/** What settling a batch needs of its dependencies. */
export interface OutcomeDeps {
  readonly job: JobConfig;
  readonly states: FileStateStore;
  readonly failures: FailureStore;
  readonly records: JobRecords;
  readonly locks: FileLocks;
  /** Identifies this run of the batch in its locks; unique per run. */
  readonly owner: string;
  readonly logger: Logger;
}

/**
 * An entry's outcome: counts when it is done (nothing for a skip), another try, or `aborted`
 * when the batch threw while the entry was in hand.
 */
export type EntryOutcome = Partial<PassCounts> | 'retry' | 'aborted' | undefined;

/** A file the run acted on, with the recheck mark it found for it. */
export interface EntryResult {
  readonly text: string;
  outcome: EntryOutcome;
  readonly mark: string | undefined;
  /** Before its retry, as the job's handler chose; undefined: the usual backoff. */
  retryDelayMs?: number | undefined;
}

/**
 * What a batch writes to Redis about its files, gathered so that it costs one round trip per
 * kind of write and batch instead of one per file. The states are still written only for
 * actions iRODS confirmed.
 */
export interface BatchWrites {
  readonly states: RecordEntry[];
}

export interface BatchRun {
  /** The files whose locks the run took. */
  readonly mine: readonly string[];
  readonly results: readonly EntryResult[];
  readonly writes: BatchWrites;
}

/** What a settled batch did, for the metrics. */
export interface BatchTally {
  readonly outcomes: ReadonlyMap<FileOutcome, number>;
  readonly bytes: number;
}

/** Writes, releases, settles and counts. */
export async function settleBatch(
  deps: OutcomeDeps,
  batch: BatchPayload,
  { mine, results, writes }: BatchRun,
): Promise<BatchTally> {
  // The states go in before the locks are released, so that no other worker sees a file
  // unlocked with its old state. A crash before this line only makes the batch run again.
  const written = await deps.states.recordHeld(writes.states, deps.owner);
  const refused = new Set(
    writes.states.filter((_, i) => !written[i]).map(({ relPath }) => encodeRelPath(relPath)),
  );
  const byPath = new Map(results.map((result) => [result.text, result]));
  const isDone = (result: EntryResult) => done(result.outcome) && !refused.has(result.text);
  const held = await deps.locks.release(
    mine.map((text) => {
      const result = byPath.get(text);
      return {
        relPath: text,
        touched: result !== undefined,
        resolvedMark: result !== undefined && isDone(result) ? result.mark : undefined,
      };
    }),
    deps.owner,
  );
  for (const [i, text] of mine.entries()) {
    const result = byPath.get(text);
    if (result === undefined || !done(result.outcome) || (held[i] && !refused.has(text))) continue;
    // A delete's outcome stands: the mark alone has the next pass look at the path again.
    if (batch.kind !== BATCH_KINDS.sync) continue;
    const failure = { relPath: text, operation: deps.job.operation, step: 'record' };
    result.outcome = await failed(
      deps,
      batch,
      text,
      asWorkerError(new LockLostError(text), failure),
    );
  }
  const succeeded = results.filter((result) => done(result.outcome) && !refused.has(result.text));
  if (succeeded.length > 0) await deps.failures.clear(...succeeded.map((result) => result.text));
  const counts: Partial<PassCounts> = {};
  const outcomes = new Map<FileOutcome, number>();
  for (const { outcome } of results) {
    if (outcome === 'aborted') continue;
    const kind = outcomeKind(outcome);
    outcomes.set(kind, (outcomes.get(kind) ?? 0) + 1);
    if (outcome !== 'retry' && outcome !== undefined) add(counts, outcome);
  }
  await deps.records.incrementBy(counts);
  return { outcomes, bytes: counts.bytes ?? 0 };
}

/** A failed entry's outcome: another try, or its place on the failure list. */
export async function failed(
  deps: OutcomeDeps,
  batch: BatchPayload,
  text: string,
  error: unknown,
): Promise<EntryOutcome> {
  const known = error instanceof WorkerError || error instanceof UnmappablePathError;
  if (!known) throw error;
  const retryable = error instanceof WorkerError && error.retryable;
  // Half an action may be in iRODS: the next try compares it with the file before anything else.
  if (error instanceof FileTimeoutError) await deps.states.markRecheck([text], deps.owner);
  const attempts =
    (error instanceof WorkerError ? error.maxAttempts : undefined) ?? deps.job.max_attempts;
  if (retryable && batch.attempt < attempts) {
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

/** Done (or gone, or skipped): neither another try nor a failure. */
function done(outcome: EntryOutcome): boolean {
  return outcome !== 'retry' && outcome !== 'aborted' && outcome?.failed === undefined;
}

function outcomeKind(outcome: EntryOutcome): FileOutcome {
  if (outcome === 'retry') return FILE_OUTCOMES.retried;
  if (outcome === 'aborted' || outcome?.failed) return FILE_OUTCOMES.failed;
  if (outcome?.new) return FILE_OUTCOMES.new;
  if (outcome?.updated) return FILE_OUTCOMES.updated;
  if (outcome?.deleted) return FILE_OUTCOMES.deleted;
  return FILE_OUTCOMES.skipped;
}

function add(into: Partial<PassCounts>, more: Partial<PassCounts>): void {
  for (const [key, value] of Object.entries(more) as [keyof PassCounts, number][]) {
    into[key] = (into[key] ?? 0) + value;
  }
}
