/**
 * Runs one queued batch: takes the files' locks, looks at each entry again, carries out its
 * action through the worker pipelines, and sorts the outcomes. Each file stands alone (upstream
 * skipped the rest of a batch after one failure):
 *
 * - done: its state was recorded after iRODS confirmed, while this run still held the file's
 *   lock (checked in the same script as the write); an old failure is cleared;
 * - retry: a retryable failure, queued again by the caller with backoff, up to MAX_ATTEMPTS; so
 *   is a file whose lock this run lost while acting on it, with a recheck mark that has the next
 *   try compare iRODS with the file before anything else;
 * - failed: permanent, or retryable too often; listed with its reason (`FailureStore`);
 * - busy: another worker holds its lock (the file is in flight); queued again after it.
 *
 * Anything else (Redis gone, a bug) is thrown, and the queue runs the whole batch again later,
 * which is safe since every action is idempotent and nothing half-done was recorded.
 */
import { createHash } from 'node:crypto';
import { decideFile, type RecordedState } from '../core/decide.js';
import { sendsBytes } from '../core/job-rules.js';
import { decodeRelPath, encodeRelPath, type ObservedEntry } from '../core/entry.js';
import { mapRelPath, UnmappablePathError } from '../core/names.js';
import type { IrodsClient } from '../irods/index.js';
import type { Metrics } from '../metrics/index.js';
import { BATCH_KINDS, type BatchPayload } from '../queue/payload.js';
import type { WriteHandles } from '../state/index.js';
import { deleteEntry } from '../worker/deletes.js';
import { syncDirectory } from '../worker/directories.js';
import { syncFile } from '../worker/actions.js';
import type { WorkerDeps } from '../worker/context.js';
import { asWorkerError } from '../worker/errors.js';
import { BatchCheckLookup, type CheckCandidate } from '../worker/check-lookup.js';
import { isStatFailure, type StatAnswer, type StatThread } from '../sources/stat-thread.js';
import { BatchLocks, CLAIMS } from './batch-locks.js';
import {
  failed,
  settleBatch,
  type BatchTally,
  type BatchWrites,
  type EntryOutcome,
  type EntryResult,
  type OutcomeDeps,
} from './batch-outcomes.js';
import { entryTypeOfMode } from '../sources/stat-facts.js';
import { entryOf, sourcePathOf } from './observe.js';

/** A lock outlives a dead (or frozen) worker by at most this long; renewed while its batch runs. */
export const LOCK_TTL_MS = 30_000;

export interface BatchDeps extends OutcomeDeps {
  readonly client: IrodsClient;
  /** Open parallel-write handles, so a crashed upload's handle is shut down on the next try. */
  readonly handles: WriteHandles;
  readonly metrics: Metrics;
  /** Looks at a batch's files, all at once, off the main thread. */
  readonly stats: StatThread;
  /** Lifetime of the file locks. @defaultValue LOCK_TTL_MS */
  readonly lockTtlMs?: number;
}

export interface BatchResult {
  /** Text paths to run again after a backoff (retryable failures). */
  readonly retry: string[];
  /** Text paths another worker holds: run again shortly. */
  readonly busy: string[];
}

const sha256Hex = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** One path of a batch that this run holds the lock of, with what the batch knows of it. */
interface BatchEntry {
  /** The payload's text form (`encodeRelPath`). */
  readonly text: string;
  readonly relPath: Uint8Array;
  readonly sourcePath: string | Buffer;
  recorded: RecordedState | undefined;
  /** The file's recheck mark, when an earlier run lost its lock while acting on it. */
  mark: string | undefined;
  /** The batch's own look at it; none for deletes. */
  readonly look: StatAnswer;
  /** The look calls for a content check (core/decide.ts). */
  readonly checks: boolean;
}

export async function processBatch(deps: BatchDeps, batch: BatchPayload): Promise<BatchResult> {
  const locks = await BatchLocks.take(
    deps.locks,
    batch.paths,
    deps.owner,
    deps.lockTtlMs ?? LOCK_TTL_MS,
  );
  const busy = [...locks.busy];
  const results: EntryResult[] = [];
  const writes: BatchWrites = { states: [] };
  let tally: BatchTally;
  try {
    const entries = await look(deps, batch, locks.mine);
    const workerDeps = workerDepsOf(deps, writes, locks, checkLookup(deps, entries));
    for (const entry of entries) {
      const claim = await locks.claim(entry.text);
      if (claim === CLAIMS.lost) {
        busy.push(entry.text);
        continue;
      }
      if (claim === CLAIMS.retaken) {
        // Another worker may have acted on the file while the lock was lapsed.
        [entry.recorded] = await deps.states.getMany([entry.relPath]);
        [entry.mark] = await deps.states.recheckMarks([entry.text]);
      }
      // Aborted until it has an outcome: the batch may throw while the file is in hand.
      const result: EntryResult = { text: entry.text, outcome: 'aborted', mark: entry.mark };
      results.push(result);
      result.outcome = await runEntry(deps, workerDeps, batch, entry);
    }
  } finally {
    locks.stop();
    tally = await settleBatch(deps, batch, { mine: locks.mine, results, writes });
  }
  // Counted once the batch's writes went through: a batch run again is not counted twice.
  for (const [kind, n] of tally.outcomes) deps.metrics.fileOutcome(deps.job.name, kind, n);
  deps.metrics.bytes(deps.job.name, tally.bytes);
  const retry = results.filter((result) => result.outcome === 'retry');
  return { retry: retry.map((result) => result.text), busy };
}

/** The batch's files with their recorded states, recheck marks and (but for deletes) stats. */
async function look(
  deps: BatchDeps,
  batch: BatchPayload,
  mine: readonly string[],
): Promise<BatchEntry[]> {
  const relPaths = mine.map((text) => decodeRelPath(text));
  const sourcePaths = relPaths.map((relPath) => sourcePathOf(deps.job.source, relPath));
  const [recorded, marks, looks] = await Promise.all([
    deps.states.getMany(relPaths),
    deps.states.recheckMarks(mine),
    // Deletes act on the recorded state alone; everything else on what is on disk now.
    batch.kind === BATCH_KINDS.delete
      ? []
      : deps.stats.statMany(sourcePaths, deps.job.follow_symlinks),
  ]);
  return mine.map((text, i) => {
    const look = looks[i];
    const options = { ctimeChanges: deps.job.ctime_changes, recheck: marks[i] !== undefined };
    const checks =
      look !== undefined &&
      !isStatFailure(look) &&
      entryTypeOfMode(Number(look.mode)) === 'file' &&
      decideFile(entryOf(relPaths[i]!, look), recorded[i], deps.job.operation, options).kind ===
        'check-content';
    return {
      text,
      relPath: relPaths[i]!,
      sourcePath: sourcePaths[i]!,
      recorded: recorded[i],
      mark: marks[i],
      look,
      checks,
    };
  });
}

/** The lookups shared by the batch's content checks, for the files whose look calls for one. */
function checkLookup(
  deps: BatchDeps,
  entries: readonly BatchEntry[],
): BatchCheckLookup | undefined {
  const { job } = deps;
  const candidates: CheckCandidate[] = [];
  for (const { relPath, sourcePath, checks } of entries) {
    if (!checks) continue;
    try {
      const { logicalPath } = mapRelPath(relPath, job.target, sha256Hex);
      candidates.push({ logicalPath, sourcePath });
    } catch (error) {
      if (!(error instanceof UnmappablePathError)) throw error;
    }
  }
  if (candidates.length === 0) return undefined;
  return new BatchCheckLookup(deps.client, deps.stats, candidates, job.follow_symlinks);
}

async function runEntry(
  deps: BatchDeps,
  workerDeps: WorkerDeps,
  batch: BatchPayload,
  { text, relPath, sourcePath, recorded, mark, look }: BatchEntry,
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
      // its look within the batch's own time; an upload (or a content check), after the uploads
      // before it, so it looks again right before it reads the file and is decided on that.
      justObserved: !sendsBytes(job.operation),
      recheck: mark !== undefined,
    };
    const outcome =
      entry.type === 'dir'
        ? await syncDirectory(workerDeps, task)
        : await syncFile(workerDeps, task, recorded);
    const { action } = outcome;
    if (outcome.recorded === undefined || action.kind === 'skip') return undefined;
    // Content found the same in iRODS: the new stat is recorded, nothing changed there.
    if (action.kind === 'check-content') return undefined;
    deps.logger.debug(`${action.kind} ${text}`, { job: job.name });
    return { [recorded === undefined ? 'new' : 'updated']: 1, bytes: outcome.bytesSent };
  } catch (error) {
    return failed(deps, batch, text, error);
  }
}

/**
 * The worker pipelines' view of the stores: states gathered for the batch's fenced write, forget
 * on delete, the file locks kept from a long step's progress, one catalog lookup for the checks.
 */
function workerDepsOf(
  deps: BatchDeps,
  writes: BatchWrites,
  locks: BatchLocks,
  checks: BatchCheckLookup | undefined,
): WorkerDeps {
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
    keepLock: (relPath) => locks.keep(encodeRelPath(relPath)),
    ...(checks === undefined ? {} : { checks }),
  };
}

/** What changed type since the scan (a file became a fifo) is left to the next scan. */
function syncable(entry: ObservedEntry): boolean {
  return entry.type === 'file' || entry.type === 'dir';
}
