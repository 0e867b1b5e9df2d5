/**
 * How a batch run's files end: each file's state (gathered by its action) is written, fenced by
 * its lock, and the lock released, as soon as the file is done, so that what happens to it next
 * (a delete the watcher saw, another change) need not wait for the rest of the batch. At the end
 * of the run, the files it never acted on are let go and the outcomes counted.
 *
 * A file whose lock the run lost while acting on it is not done, whatever its action reported:
 * its state was refused, or its writes may have landed after those of the worker that took the
 * file over. It is tried again, and the recheck mark the release leaves makes that try compare
 * what iRODS holds with the file before deciding anything else.
 */
import type { JobConfig } from '../config/index.js';
import { UnmappablePathError } from '../core/names.js';
import type { Logger } from '../log.js';
import { FILE_OUTCOMES, type FileOutcome } from '../metrics/index.js';
import { BATCH_KINDS, type BatchPayload } from '../queue/payload.js';
import {
  LockLostError,
  type FailureStore,
  type FileSettlement,
  type FileStateStore,
  type JobRecords,
  type RecordEntry,
} from '../state/index.js';
import { addInto, type Counts } from '../core/counters.js';
import { asWorkerError, FileTimeoutError, WorkerError } from './errors.js';

/** What settling a batch needs of its dependencies. */
export interface OutcomeDeps {
  readonly job: JobConfig;
  readonly states: FileStateStore;
  readonly failures: FailureStore;
  readonly records: JobRecords;
  /** Writes a file's state and releases its lock, fenced by it. */
  readonly settlement: FileSettlement;
  /** Identifies this run of the batch in its locks; unique per run. */
  readonly owner: string;
  readonly logger: Logger;
}

/**
 * An entry's outcome: counts when it is done (nothing for a skip), another try, or `aborted`
 * when the batch threw while the entry was in hand.
 */
export type EntryOutcome = Partial<Counts> | 'retry' | 'aborted' | undefined;

/** A file the run acted on, with the recheck mark it found for it. */
export interface EntryResult {
  readonly text: string;
  outcome: EntryOutcome;
  readonly mark: string | undefined;
  /** Before its retry, as the job's handler chose; undefined: the usual backoff. */
  retryDelayMs?: number | undefined;
  /** Its hold ended (state written, lock released or found lost). */
  settled?: boolean;
}

/** What a settled batch did, for the metrics. */
export interface BatchTally {
  readonly outcomes: ReadonlyMap<FileOutcome, number>;
  readonly bytes: number;
}

/**
 * Ends the run's hold on a file it acted on: records the state its action gathered (the last
 * one, when there are several) and releases the lock, in one fenced step. A done sync whose lock
 * was lost meanwhile becomes a retry (or a failure).
 */
export async function settleEntry(
  deps: OutcomeDeps,
  batch: BatchPayload,
  result: EntryResult,
  states: readonly RecordEntry[],
): Promise<void> {
  const isDone = done(result.outcome);
  const [held] = await deps.settlement.settle(
    [
      {
        relPath: result.text,
        state: states.at(-1),
        touched: true,
        resolvedMark: isDone ? result.mark : undefined,
        done: isDone,
      },
    ],
    deps.owner,
  );
  result.settled = true;
  // A delete's outcome stands: the mark alone has the next pass look at the path again.
  if (held || !isDone || batch.kind !== BATCH_KINDS.sync) return;
  const failure = { relPath: result.text, operation: deps.job.operation, step: 'record' };
  result.outcome = await failed(
    deps,
    batch,
    result.text,
    asWorkerError(new LockLostError(result.text), failure),
  );
}

/**
 * Lets go of the files the run has not settled (those it never reached, the one in hand when it
 * threw), then counts the outcomes. Counted once the batch's writes went through: a batch run
 * again is not counted twice. Failures count themselves (FailureStore).
 */
export async function settleBatch(
  deps: OutcomeDeps,
  mine: readonly string[],
  results: readonly EntryResult[],
): Promise<BatchTally> {
  const byPath = new Map(results.map((result) => [result.text, result]));
  const rest = mine.filter((text) => byPath.get(text)?.settled !== true);
  await deps.settlement.settle(
    rest.map((text) => ({ relPath: text, touched: byPath.has(text), done: false })),
    deps.owner,
  );
  const counts: Partial<Counts> = {};
  const outcomes = new Map<FileOutcome, number>();
  for (const { outcome } of results) {
    if (outcome === 'aborted') continue;
    const kind = outcomeKind(outcome);
    outcomes.set(kind, (outcomes.get(kind) ?? 0) + 1);
    if (outcome !== 'retry' && outcome !== undefined) addInto(counts, outcome);
  }
  delete counts.failed;
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
