/**
 * How a batch run's files end: each file's state (gathered by its action) is written, fenced by
 * its lock, and the lock released, soon after the file is done, so that what happens to it next
 * (a delete the watcher saw, another change) need not wait for the rest of the batch; the files
 * done meanwhile go in the same round trip (BatchSettlements). At the end of the run, the files
 * it never acted on are let go with the last of them, and the outcomes counted.
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
  type SettledFile,
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
 * A done file whose action sent no bytes waits at most this long for its settlement, so that the
 * files its batch finishes meanwhile share the round trip: a registration takes a few
 * milliseconds, and a round trip per file cost as much as the rest of its bookkeeping.
 */
export const SETTLE_WINDOW_MS = 250;

/** A file whose action ended, with the state it gathered (the last one, when there are several). */
interface Pending {
  readonly result: EntryResult;
  readonly state: RecordEntry | undefined;
}

/**
 * The settlements of one batch run: each ends the run's hold on a file it acted on, recording
 * the state its action gathered and releasing the lock in one fenced step, several files per
 * round trip. A file whose action sent bytes is settled at once, with those waiting: were the
 * process killed before, the bytes would go out again. The others wait up to SETTLE_WINDOW_MS.
 * A done sync whose lock was lost meanwhile becomes a retry (or a failure).
 */
export class BatchSettlements {
  readonly #deps: OutcomeDeps;
  readonly #batch: BatchPayload;
  /** Hears each file once its hold ended (the run stops renewing its lock). */
  readonly #ended: (text: string) => void;
  #pending: Pending[] = [];
  #timer: NodeJS.Timeout | undefined;
  /** The settlement in flight; the next one waits for it. */
  #last: Promise<void> = Promise.resolve();
  /** Why a timed settlement failed: the run stops at its next file, as when it settles itself. */
  #timedFailure: { error: unknown } | undefined;

  constructor(deps: OutcomeDeps, batch: BatchPayload, ended: (text: string) => void) {
    this.#deps = deps;
    this.#batch = batch;
    this.#ended = ended;
  }

  /** The file's action ended with `result.outcome`: settles it now, or soon with others. */
  async add(result: EntryResult, states: readonly RecordEntry[]): Promise<void> {
    this.#pending.push({ result, state: states.at(-1) });
    if (this.#timedFailure !== undefined) throw this.#timedFailure.error;
    const outcome = result.outcome;
    if (typeof outcome === 'object' && (outcome.bytes ?? 0) > 0) {
      await this.#flush([]);
      return;
    }
    // A timed settlement that fails leaves its files waiting for the last one (finish).
    this.#timer ??= setTimeout(() => {
      this.#flush([]).catch((error: unknown) => (this.#timedFailure ??= { error }));
    }, SETTLE_WINDOW_MS);
  }

  /**
   * Settles what waits, and lets go of `rest` (files the run never reached, the one in hand
   * when it threw) in the same round trip.
   */
  finish(rest: readonly { text: string; touched: boolean }[]): Promise<void> {
    return this.#flush(rest);
  }

  #flush(rest: readonly { text: string; touched: boolean }[]): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const run = this.#last.catch(() => undefined).then(() => this.#settle(rest));
    this.#last = run;
    return run;
  }

  async #settle(rest: readonly { text: string; touched: boolean }[]): Promise<void> {
    const files = this.#pending.splice(0);
    if (files.length === 0 && rest.length === 0) return;
    const settled: SettledFile[] = files.map(({ result, state }) => {
      const isDone = done(result.outcome);
      return {
        relPath: result.text,
        state,
        touched: true,
        resolvedMark: isDone ? result.mark : undefined,
        done: isDone,
      };
    });
    for (const { text, touched } of rest) settled.push({ relPath: text, touched, done: false });
    let held: boolean[];
    try {
      held = await this.#deps.settlement.settle(settled, this.#deps.owner);
    } catch (error) {
      this.#pending.unshift(...files);
      throw error;
    }
    for (const [i, { result }] of files.entries()) {
      result.settled = true;
      this.#ended(result.text);
      // A delete's outcome stands: the mark alone has the next pass look at the path again.
      if (held[i] || !done(result.outcome) || this.#batch.kind !== BATCH_KINDS.sync) continue;
      const failure = { relPath: result.text, operation: this.#deps.job.operation, step: 'record' };
      result.outcome = await failed(
        this.#deps,
        this.#batch,
        result.text,
        asWorkerError(new LockLostError(result.text), failure),
      );
    }
  }
}

/**
 * Settles what the run left waiting and lets go of the files it has not settled (those it never
 * reached, the one in hand when it threw), in one round trip, then counts the outcomes. Counted
 * once the batch's writes went through: a batch run again is not counted twice. Failures count
 * themselves (FailureStore).
 */
export async function settleBatch(
  deps: OutcomeDeps,
  settlements: BatchSettlements,
  mine: readonly string[],
  results: readonly EntryResult[],
): Promise<BatchTally> {
  const byPath = new Map(results.map((result) => [result.text, result]));
  // Those with an outcome wait in `settlements`; the in-hand one was aborted.
  const rest = mine.filter((text) => {
    const result = byPath.get(text);
    return result === undefined || (result.settled !== true && result.outcome === 'aborted');
  });
  await settlements.finish(rest.map((text) => ({ text, touched: byPath.has(text) })));
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
