/**
 * Runs one queued batch: takes the files' locks, looks at each entry again, carries out its
 * action through the worker pipelines, and sorts the outcomes. Each file stands alone (upstream
 * skipped the rest of a batch after one failure):
 *
 * - done: its state was recorded after iRODS confirmed, while this run still held the file's
 *   lock (checked in the same script as the write), as soon as the file was done, and its lock
 *   released with it; an old failure is cleared;
 * - retry: a retryable failure, queued again by the caller with backoff, up to the job's max_attempts (or its handler's maxAttempts); so
 *   is a file whose lock this run lost while acting on it, with a recheck mark that has the next
 *   try compare iRODS with the file before anything else;
 * - failed: permanent, or retryable too often; listed with its reason (`FailureStore`);
 * - busy: another worker holds its lock (the file is in flight); queued again after it.
 *
 * Anything else (Redis gone, a bug) is thrown, and the queue runs the whole batch again later,
 * which is safe since every action is idempotent and nothing half-done was recorded.
 *
 * A delete was decided when a pass listed the directory, maybe minutes ago; it is checked again
 * right before it runs: the source root must still be the recorded one (a source unmounted since
 * deletes nothing), and the entry still gone. What is back on disk is synced instead.
 *
 * Before a file's first upload (or registration) sends anything, a provisional state records
 * that the job may have an object there (src/core/decide.ts); a new file to register has it
 * written with the batch's others at the start (trackRegistrations). A sync that finds such a
 * file gone deletes that object per the job's delete mode, as a delete batch would: nobody else
 * knows of it, since the file never got further.
 */
import { createHash } from 'node:crypto';
import { decideFile, type RecordedState } from '../core/decide.js';
import { decodeRelPath, encodeRelPath, type ObservedEntry } from '../core/entry.js';
import { registers } from '../core/job-rules.js';
import { mapRelPath, UnmappablePathError } from '../core/names.js';
import { handlerFor, type HandlerLookup } from '../handlers/registry.js';
import type { SiteHandler } from '../handlers/site-handler.js';
import type { IrodsClient } from '../irods/index.js';
import type { Metrics } from '../metrics/index.js';
import { BATCH_KINDS, type BatchPayload } from '../queue/payload.js';
import {
  LockLostError,
  type FileLocks,
  type RecordEntry,
  type WriteHandles,
} from '../state/index.js';
import { deleteEntry } from './deletes.js';
import type { WorkerDeps } from './context.js';
import { asWorkerError, SourceUnavailableError, WorkerError } from './errors.js';
import { BatchCheckLookup, HASHES, type CheckCandidate, type Hashes } from './check-lookup.js';
import type { SourceFiles, SourceStats } from '../sources/index.js';
import { isStatFailure, type StatAnswer } from '../sources/stat-thread.js';
import { BatchLocks, CLAIMS } from './batch-locks.js';
import { syncEntry } from './batch-sync.js';
import {
  BatchSettlements,
  failed,
  settleBatch,
  type BatchTally,
  type EntryOutcome,
  type EntryResult,
  type OutcomeDeps,
} from './batch-outcomes.js';
import { entryTypeOfMode } from '../sources/stat-facts.js';
import { handlerDeps } from './entry-plan.js';
import { entryOf, sourcePathOf } from '../sources/observe.js';

/** A lock outlives a dead (or frozen) worker by at most this long; renewed while its batch runs. */
export const LOCK_TTL_MS = 30_000;

export interface BatchDeps extends OutcomeDeps {
  readonly client: IrodsClient;
  readonly locks: FileLocks;
  /** Open parallel-write handles, so a crashed upload's handle is shut down on the next try. */
  readonly handles: WriteHandles;
  readonly metrics: Metrics;
  /** Looks at a batch's files, all at once (off the main thread for a directory). */
  readonly stats: SourceStats;
  /** How workers read files of a source that is not a local directory (S3). */
  readonly files?: SourceFiles;
  /** Lifetime of the file locks. @defaultValue LOCK_TTL_MS */
  readonly lockTtlMs?: number;
  /**
   * Why deletes may not run now (the source root is not the one recorded for the job's source
   * and target), or undefined when they may.
   */
  readonly deletesRefused: () => Promise<string | undefined>;
  /** Asks the job for a pass: something came back that the last one took for gone. */
  readonly rescan: (why: string) => void;
  /** Where the job's event handler is found, when it has one (job.handler). */
  readonly handlers?: HandlerLookup;
}

export interface BatchResult {
  /** Text paths to run again after a backoff (retryable failures). */
  readonly retry: string[];
  /** The delays the job's handler chose for some of them (ms); the others back off as usual. */
  readonly retryDelays?: ReadonlyMap<string, number>;
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
  /** The batch's own look at it. */
  readonly look: StatAnswer;
  /** The look calls for a content check or an adoption (core/decide.ts): iRODS is looked up. */
  readonly checks: boolean;
  /** ... and when the file's digest is needed. */
  readonly hashes: Hashes;
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
  const settlements = new BatchSettlements(deps, batch, (text) => locks.drop(text));
  // The states the action of the file in hand gathered, written when it is settled.
  const writes: { states: RecordEntry[] } = { states: [] };
  let tally: BatchTally;
  try {
    const refused = batch.kind === BATCH_KINDS.delete ? await deps.deletesRefused() : undefined;
    if (refused !== undefined) {
      // They stay recorded: the next pass decides again, once the source is back.
      deps.logger.warn(
        `job ${deps.job.name}: ${locks.mine.length} delete(s) not carried out: ${refused}`,
        { job: deps.job.name },
      );
      deps.rescan(`deletes were not carried out: ${refused}`);
    }
    // One handler for the whole batch, even if a reload installs another meanwhile.
    const handler = handlerFor(deps.job.handler, deps.handlers);
    const entries = await look(deps, refused === undefined ? locks.mine : []);
    // Asked once: a batch of files all deleted after the listing would ask for each.
    let absent: Promise<string | undefined> | undefined;
    const sourceAbsent = () => (absent ??= sourceAbsentNow(deps));
    const checks = checkLookup(deps, entries);
    const tracked =
      batch.kind === BATCH_KINDS.sync && handler === undefined
        ? await trackRegistrations(deps, entries, checks)
        : new Map<string, RecordedState>();
    const workerDeps = {
      ...workerDepsOf(deps, writes, locks, checks, tracked),
      ...handlerDeps(handler, deps.job, deps.client, deps.logger),
    };
    for (const entry of entries) {
      const claim = await locks.claim(entry.text);
      // A lock lapsed since the start may have let another worker record the file meanwhile.
      if (claim !== CLAIMS.held) tracked.delete(entry.text);
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
      writes.states = [];
      const run = { workerDeps, handler, result, sourceAbsent };
      result.outcome = await runEntry(deps, run, batch, entry);
      await settlements.add(result, writes.states);
    }
  } finally {
    locks.stop();
    tally = await settleBatch(deps, settlements, locks.mine, results);
  }
  // Counted once the batch's writes went through: a batch run again is not counted twice.
  for (const [kind, n] of tally.outcomes) deps.metrics.fileOutcome(deps.job.name, kind, n);
  deps.metrics.bytes(deps.job.name, tally.bytes);
  const retry = results.filter((result) => result.outcome === 'retry');
  const retryDelays = new Map<string, number>();
  for (const { text, retryDelayMs } of retry) {
    if (retryDelayMs !== undefined) retryDelays.set(text, retryDelayMs);
  }
  return {
    retry: retry.map((result) => result.text),
    ...(retryDelays.size > 0 ? { retryDelays } : {}),
    busy,
  };
}

/**
 * The batch's files with their recorded states, recheck marks and stats (a delete looks at the
 * disk too: what is back is synced instead).
 */
async function look(deps: BatchDeps, mine: readonly string[]): Promise<BatchEntry[]> {
  const relPaths = mine.map((text) => decodeRelPath(text));
  const sourcePaths = relPaths.map((relPath) => sourcePathOf(deps.job.source, relPath));
  const [recorded, marks, looks] = await Promise.all([
    deps.states.getMany(relPaths),
    deps.states.recheckMarks(mine),
    deps.stats.statMany(sourcePaths, deps.job.follow_symlinks),
  ]);
  return mine.map((text, i) => {
    const look = looks[i];
    const options = { ctimeChanges: deps.job.ctime_changes, recheck: marks[i] !== undefined };
    const kind =
      look !== undefined && !isStatFailure(look) && entryTypeOfMode(Number(look.mode)) === 'file'
        ? decideFile(entryOf(relPaths[i]!, look), recorded[i], deps.job.operation, options).kind
        : undefined;
    return {
      text,
      relPath: relPaths[i]!,
      sourcePath: sourcePaths[i]!,
      recorded: recorded[i],
      mark: marks[i],
      look,
      checks: kind === 'check-content' || kind === 'adopt',
      hashes: hashesFor(kind, deps.job.checksum),
    };
  });
}

/** When a file's digest is needed: adoption compares checksums only under verify. */
function hashesFor(kind: string | undefined, checksum: string): Hashes {
  if (kind === 'check-content') return HASHES.always;
  return kind === 'adopt' && checksum === 'verify' ? HASHES.ifObject : HASHES.never;
}

/** The lookups shared by the batch's content checks, for the files whose look calls for one. */
function checkLookup(
  deps: BatchDeps,
  entries: readonly BatchEntry[],
): BatchCheckLookup | undefined {
  const { job } = deps;
  const candidates: CheckCandidate[] = [];
  for (const { relPath, sourcePath, checks, hashes } of entries) {
    if (!checks) continue;
    try {
      const { logicalPath } = mapRelPath(relPath, job.target, sha256Hex);
      candidates.push({ logicalPath, sourcePath, hashes });
    } catch (error) {
      if (!(error instanceof UnmappablePathError)) throw error;
    }
  }
  if (candidates.length === 0) return undefined;
  return new BatchCheckLookup(deps.client, deps.stats, candidates, job.follow_symlinks);
}

/**
 * Writes, in one round trip at the start of a registering batch, the provisional states of the
 * new files its lookup found no object for. Each file would otherwise write its own right before
 * its registration: one more call per file, which cost a first `register` pass more Redis and
 * daemon CPU than anything else beyond its two requests per file (README, Benchmarks). Returns
 * the states written, by text path: `track` writes nothing for a file whose state is still one.
 *
 * Early is safe for registrations alone. A file the batch never reaches (a crash, a lost lock)
 * keeps a provisional state for an object that may not exist; it counts as new on its next try,
 * and a registering job removes an object only by unregistering it, which it does only when the
 * object's replicas are the job's own files (core/ownership.ts). An upload's early state would
 * let a vanished file take along an object someone else put at its path meanwhile, so uploads
 * keep writing theirs right before they send.
 */
async function trackRegistrations(
  deps: BatchDeps,
  entries: readonly BatchEntry[],
  checks: BatchCheckLookup | undefined,
): Promise<Map<string, RecordedState>> {
  const tracked = new Map<string, RecordedState>();
  if (checks === undefined || !registers(deps.job.operation)) return tracked;
  const early: (RecordEntry & { readonly text: string })[] = [];
  for (const { text, relPath, recorded, look, checks: adopts } of entries) {
    // No recorded state and a lookup asked for: an adoption (core/decide.ts).
    if (!adopts || recorded !== undefined || look === undefined || isStatFailure(look)) continue;
    let logicalPath: string;
    try {
      ({ logicalPath } = mapRelPath(relPath, deps.job.target, sha256Hex));
    } catch (error) {
      if (error instanceof UnmappablePathError) continue;
      throw error;
    }
    if (!(await checks.holdsNone(logicalPath))) continue;
    const { size, mtimeNs, ctimeNs, ino } = entryOf(relPath, look);
    const state: RecordedState = { type: 'file', size, mtimeNs, ino, ctimeNs, provisional: true };
    early.push({ text, relPath, state });
  }
  if (early.length === 0) return tracked;
  const held = await deps.states.recordHeld(early, deps.owner);
  early.forEach(({ text, state }, i) => {
    if (held[i]) tracked.set(text, state);
  });
  return tracked;
}

/** Whether `state`, a provisional state to write, is the one `early` already wrote. */
function trackedAlready(early: RecordedState | undefined, state: RecordedState): boolean {
  return (
    early !== undefined &&
    state.provisional === true &&
    state.type === early.type &&
    state.size === early.size &&
    state.mtimeNs === early.mtimeNs &&
    state.ctimeNs === early.ctimeNs &&
    state.ino === early.ino
  );
}

/** How an entry runs: the batch's worker dependencies and handler, and where its result goes. */
interface EntryRun {
  readonly workerDeps: WorkerDeps;
  readonly handler: SiteHandler | undefined;
  readonly result: EntryResult;
  /** Why the batch's source may be absent rather than its files gone (sourceAbsentNow). */
  readonly sourceAbsent: () => Promise<string | undefined>;
}

async function runEntry(
  deps: BatchDeps,
  { workerDeps, handler, result, sourceAbsent }: EntryRun,
  batch: BatchPayload,
  entry: BatchEntry,
): Promise<EntryOutcome> {
  const { job } = deps;
  const { text, relPath, recorded, mark, look } = entry;
  try {
    const mappedPath = mapRelPath(relPath, job.target, sha256Hex);
    if (isStatFailure(look)) {
      // Unreadable is not gone: a delete waits as much as a sync does.
      const cause = Object.assign(new Error(look.message), { code: look.errno });
      throw asWorkerError(cause, { relPath: text, operation: job.operation, step: 'observe' });
    }
    if (batch.kind === BATCH_KINDS.delete) {
      if (recorded === undefined) return undefined;
      if (look === undefined) {
        return await runDelete(deps, workerDeps, entry, mappedPath.logicalPath, recorded);
      }
      deps.logger.info(`job ${job.name}: ${text} is back on disk: synced instead of deleted`, {
        job: job.name,
      });
      // What changed in a directory while it was away was listed by no pass.
      if (entryOf(relPath, look).type === 'dir') {
        deps.rescan(`${text} came back before its delete ran`);
      }
    }
    if (look === undefined) {
      // Before a delete the root is looked at afresh: it may have gone since the batch asked.
      const provisional = recorded?.provisional === true;
      const absent = await (provisional ? sourceAbsentNow(deps) : sourceAbsent());
      if (absent !== undefined) return unavailable(deps, batch, text, absent);
      // What the job may have put in iRODS for it is deleted now: the watcher may have looked
      // at the path before the upload recorded anything, and a pass is hours away.
      if (provisional) {
        return await runDelete(deps, workerDeps, entry, mappedPath.logicalPath, recorded);
      }
      // Gone since it was queued: the next complete scan deletes it.
      return undefined;
    }
    const observed = entryOf(relPath, look);
    if (!syncable(observed)) return undefined;
    const target = { ...entry, ...mappedPath, recheck: mark !== undefined, attempt: batch.attempt };
    return await syncEntry(deps, workerDeps, target, observed, recorded, handler);
  } catch (error) {
    if (error instanceof WorkerError) result.retryDelayMs = error.retryDelayMs;
    // Gone while its action ran (the upload's open found no file, or the server could not read
    // it to register it): as for a file gone since it was queued, that is not its failure.
    if (batch.kind === BATCH_KINDS.sync && (await goneNow(deps, entry))) {
      const absent = await sourceAbsent();
      if (absent !== undefined) return unavailable(deps, batch, text, absent);
      // Its object may be partly in iRODS (a provisional state): the retry finds the file gone
      // and deletes that object, as above.
      const [now] = await deps.states.getMany([entry.relPath]);
      return now?.provisional === true ? 'retry' : undefined;
    }
    return failed(deps, batch, text, error);
  }
}

/**
 * Why a file the job listed, gone from the disk here, may not be gone at all: the source root is
 * not the one recorded for the job (deletesRefused: not mounted on this host, unmounted since
 * the listing, missing its marker). Undefined when the file went by itself. An S3 source has no
 * root to lose.
 */
async function sourceAbsentNow(deps: BatchDeps): Promise<string | undefined> {
  return deps.files === undefined ? deps.deletesRefused() : undefined;
}

/** Nothing is decided from a file that is gone with its source: it is tried again later. */
function unavailable(
  deps: BatchDeps,
  batch: BatchPayload,
  text: string,
  absent: string,
): Promise<EntryOutcome> {
  const failure = { relPath: text, operation: deps.job.operation, step: 'observe' };
  return failed(deps, batch, text, new SourceUnavailableError(failure, absent));
}

async function goneNow(deps: BatchDeps, { sourcePath }: BatchEntry): Promise<boolean> {
  const [now] = await deps.stats.statMany([sourcePath], deps.job.follow_symlinks);
  return now === undefined;
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
    state: recorded,
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

/**
 * The worker pipelines' view of the stores: states gathered for the file's fenced write when it
 * is settled, provisional states written at once (fenced too) unless the batch wrote them at its
 * start, forget on delete, the file locks
 * kept from a long step's progress, one catalog lookup for the checks.
 */
function workerDepsOf(
  deps: BatchDeps,
  writes: { readonly states: RecordEntry[] },
  locks: BatchLocks,
  checks: BatchCheckLookup | undefined,
  tracked: ReadonlyMap<string, RecordedState>,
): WorkerDeps {
  return {
    job: deps.job,
    client: deps.client,
    handles: deps.handles,
    record: (relPath, state) => {
      writes.states.push({ relPath, state });
      return Promise.resolve();
    },
    track: async (relPath, state) => {
      if (trackedAlready(tracked.get(encodeRelPath(relPath)), state)) return;
      const held = await deps.states.recordHeldSoon({ relPath, state }, deps.owner);
      if (!held) throw new LockLostError(encodeRelPath(relPath));
    },
    untrack: async (relPath) => {
      await deps.settlement.forgetProvisional(relPath, deps.owner);
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
    keepLock: (relPath) => locks.keep(encodeRelPath(relPath)),
    ...(checks === undefined ? {} : { checks }),
    ...(deps.files === undefined ? {} : { files: deps.files }),
  };
}

/** What changed type since the scan (a file became a fifo) is left to the next scan. */
function syncable(entry: ObservedEntry): boolean {
  return entry.type === 'file' || entry.type === 'dir';
}
