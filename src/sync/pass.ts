/**
 * One pass over a job's source: scan the tree, compare every entry with its recorded state in
 * pipelined batches, queue what needs work, decide deletes for each completely listed directory,
 * then wait until the queue has done this pass's work.
 *
 * The scanner is a producer bounded by the queue window (JobQueue.add waits while it is full), so
 * neither the tree nor the queued work is ever held whole. Nothing here touches iRODS: the
 * workers act, and record the new state only after iRODS confirmed.
 */
import {
  CHANGES,
  classifyChange,
  decideDeletes,
  decideFile,
  type RecordedState,
} from '../core/decide.js';
import {
  childPathPrefix,
  decodeRelPath,
  encodeRelPath,
  joinRelPath,
  type ObservedEntry,
} from '../core/entry.js';
import { sendsBytes, type CtimeChanges, type Operation } from '../core/job-rules.js';
import { BATCH_KINDS, batchesFor } from '../queue/payload.js';
import type { JobQueue } from '../queue/queue.js';
import type { DirectoryChunk, ScanOptions, SourceStats } from '../sources/index.js';
import { compileExclusion } from '../sources/exclude.js';
import {
  packFields,
  packState,
  type FailureStore,
  type FileStateStore,
  type JobRecords,
  type RecordedChildren,
  type UnlockedEntry,
} from '../state/index.js';
import type { Counts } from '../core/counters.js';
import type { DeleteGate, GoneEntry } from './delete-gate.js';
import { sourcePathOf } from '../sources/observe.js';
import { withRecorded } from './listing-states.js';
import { recordOwn, recordsItself, recordsNewItself, stateOf } from './pass-records.js';
import { PassTally } from './pass-tally.js';
import { InFlight } from './in-flight.js';

/**
 * Chunks whose own records (pass-records.ts) are being written while the next are compared:
 * waiting for each write before the next comparison left the scan thread and Redis taking turns
 * with the comparison.
 */
const OWN_WRITES_IN_FLIGHT = 4;

export interface PassJob {
  readonly name: string;
  readonly source: string;
  readonly operation: Parameters<typeof decideFile>[2];
  readonly ctimeChanges: CtimeChanges;
  readonly filesPerTask: number;
  readonly scan: ScanOptions;
  /** The listing of the job's source (a directory scan, an S3 listing). */
  readonly list: (options: ScanOptions) => AsyncIterable<DirectoryChunk>;
  /** No delete is queued after a pass whose listing failed anywhere (S3). */
  readonly deletesNeedWholeListing: boolean;
  /** How single entries of the source are looked at (the disk, or HEADs of S3 objects). */
  readonly stats: Pick<SourceStats, 'statMany'>;
}

export interface PassContext {
  readonly job: PassJob;
  readonly states: FileStateStore;
  readonly failures: FailureStore;
  readonly records: JobRecords;
  readonly queue: JobQueue;
  /** Holds the pass's deletes until its scan is complete, then queues or holds them. */
  readonly deletes: DeleteGate;
  /** True once the daemon is stopping: the pass ends early, recording nothing more. */
  readonly stopped: () => boolean;
  /**
   * The operation the job's event handler chooses for an entry (undefined: the job's; `none`:
   * the entry is skipped, and counted so). Absent when the job has no handler.
   */
  readonly operationOf?: (entry: ObservedEntry) => Promise<Operation | undefined>;
  /**
   * Whether the job's watcher is about to decide about a path (WatchFeed.decides): the pass
   * leaves a new or gone entry to the watcher, which acts on it once it settled. Otherwise both
   * would act on a directory renamed while the pass lists it: the pass syncing the new name and
   * deleting the old one, the watcher renaming it, each undoing the other.
   */
  readonly watcherDecides?: (path: string) => boolean;
  /** Hears the entries the pass recorded itself (see recordsItself), as workers' are counted. */
  readonly recorded?: (outcome: 'new' | 'updated', count: number) => void;
}

/**
 * Entry types the daemon can put into iRODS. A symbolic link arrives here only when the job does
 * not follow links (followed ones are observed as their targets): it has no content of its own,
 * so it counts as excluded by config. Sockets, fifos and devices that the job did not exclude
 * are listed as failed, with the setting that skips them.
 */
const SYNCABLE = new Set(['file', 'dir']);

/** Whether an observed file or directory needs a worker, given its recorded state. */
export function needsWork(
  entry: ObservedEntry,
  recorded: RecordedState | undefined,
  operation: PassJob['operation'],
  ctimeChanges: CtimeChanges,
): boolean {
  if (entry.type === 'dir') return recorded?.type !== 'dir';
  return decideFile(entry, recorded, operation, { ctimeChanges }).kind !== 'skip';
}

/**
 * An entry whose recorded state shows no change needs no work under any operation; only the
 * others ask the handler which operation is theirs.
 */
function mayNeedWork(entry: ObservedEntry, recorded: RecordedState | undefined): boolean {
  if (entry.type === 'dir') return recorded?.type !== 'dir';
  return classifyChange(entry, recorded) !== CHANGES.unchanged;
}

/**
 * The operation `entry` needs work under: the job's, or the one its handler chooses for it;
 * `skip` when the handler chooses `none`. Without a handler to ask, the answer is at hand: a
 * first pass asks this of every entry, and a promise each cost it a turn of the microtask queue.
 */
function operationOf(
  ctx: PassContext,
  entry: ObservedEntry,
  recorded: RecordedState | undefined,
): Operation | Promise<Operation | 'queue' | 'skip'> {
  const { job, operationOf: chosen } = ctx;
  if (chosen === undefined || !mayNeedWork(entry, recorded)) return job.operation;
  return askHandler(chosen, entry, job.operation);
}

/** A handler that fails here has the entry queued anyway: its worker asks again and lists it. */
async function askHandler(
  chosen: NonNullable<PassContext['operationOf']>,
  entry: ObservedEntry,
  fallback: Operation,
): Promise<Operation | 'queue' | 'skip'> {
  try {
    const operation = await chosen(entry);
    return operation === 'none' ? 'skip' : (operation ?? fallback);
  } catch {
    return 'queue';
  }
}

/** What the pass holds of the directory being listed: its recorded children and what it saw. */
interface DirectoryInProgress {
  dir: string;
  /** Read once per directory (one round trip), for the comparison and the deletes alike. */
  recorded: RecordedChildren;
  seen: Set<string>;
  excluded: Set<string>;
  failed: Set<string>;
}

/**
 * Runs the scan side of one pass; resolves when its queued work is done (or on stop), with the
 * number of directories listed (the root included): what watching the tree would cost. Deletes
 * are queued only once the whole tree was listed, and only if max_delete allows them.
 */
export async function scanAndQueue(
  ctx: PassContext,
  pass: number,
): Promise<{ directories: number }> {
  const { job } = ctx;
  // Clearing stale failures costs a round trip per chunk; skip it when there are none.
  const hadFailures = (await ctx.failures.count()) > 0;
  let current: DirectoryInProgress | undefined;
  let directories = 0;
  let incomplete = 0;
  const tally = new PassTally(ctx.records);
  const ownWrites = new InFlight(OWN_WRITES_IN_FLIGHT);
  await queueRechecks(ctx, pass, tally);
  for await (const { chunk, dirText, recorded } of withRecorded(ctx.states, job.list(job.scan))) {
    if (ctx.stopped()) break;
    if (current?.dir !== dirText) {
      current = {
        dir: dirText,
        recorded: recorded ?? (await ctx.states.packedChildren([chunk.dir]))[0]!,
        seen: new Set(),
        excluded: new Set(),
        failed: new Set(),
      };
    }
    for (const name of chunk.excludedNames) current.excluded.add(encodeRelPath(name));
    for (const failure of chunk.failures)
      current.failed.add(encodeRelPath(lastElement(failure.relPath)));
    await recordScanFailures(ctx, chunk);
    const work = await compareChunk(ctx, chunk, current, hadFailures);
    await ctx.queue.add(
      batchesFor(BATCH_KINDS.sync, job, pass, work.paths, work.sizes),
      ctx.stopped,
    );
    // Files that failed in the scan count as found and finished, like failed actions.
    tally.add(work.counts, work.paths.length + work.counts.failed, work.bytes);
    if (work.own.length > 0 || (hadFailures && work.inSync.length > 0)) {
      await ownWrites.add(() => settleInSync(ctx, pass, chunk.dir, work, hadFailures, tally));
    }
    if (chunk.final) {
      directories += 1;
      if (chunk.complete) {
        const gone = goneChildren(chunk.dir, current);
        await ctx.deletes.consider(gone.filter(({ path }) => !watching(ctx, path)));
      } else {
        incomplete += 1;
      }
      current = undefined;
    }
    await tally.flushSometimes();
  }
  await ownWrites.settled();
  if (!ctx.stopped()) {
    if (incomplete > 0 && job.deletesNeedWholeListing) {
      ctx.deletes.skipPass(
        `${incomplete} ${incomplete === 1 ? 'directory' : 'directories'} of ${job.source} did not list completely (see the failures)`,
      );
    } else {
      tally.add({}, await ctx.deletes.settlePass(), 0);
    }
  }
  if (hadFailures && !ctx.stopped()) await clearGoneFailures(ctx, pass);
  await tally.flush();
  if (!ctx.stopped()) await ctx.records.noteScanned();
  await ctx.queue.drained(ctx.stopped);
  return { directories };
}

function watching(ctx: PassContext, path: string): boolean {
  return ctx.watcherDecides?.(path) ?? false;
}

/** The recorded children of a completely listed directory that are gone from it. */
function goneChildren(dir: Uint8Array, listing: DirectoryInProgress): GoneEntry[] {
  return decideDeletes(listing.recorded, { complete: true, ...listing }).map(({ name, state }) => {
    const relPath = joinRelPath(dir, decodeRelPath(name));
    return { path: encodeRelPath(relPath), relPath, type: state.type };
  });
}

/** What the comparison of one chunk found. */
interface ComparedChunk {
  /** Text paths of the entries that need a worker, with the bytes each would send. */
  paths: string[];
  sizes: number[];
  bytes: number;
  counts: Counted;
  /** The entries the pass records itself (pass-records.ts), once compared. */
  own: UnlockedEntry[];
  /** Text paths of the files found in sync, when failures are to be cleared. */
  inSync: string[];
}

/**
 * Compares a chunk's entries with their recorded states, and counts what the scan saw. The text
 * paths of the files in sync are kept only for `clearFailures`.
 */
async function compareChunk(
  ctx: PassContext,
  chunk: DirectoryChunk,
  { dir, recorded, seen, excluded }: DirectoryInProgress,
  clearFailures: boolean,
): Promise<ComparedChunk> {
  const { job } = ctx;
  const work: string[] = [];
  const sizes: number[] = [];
  const inSync: string[] = [];
  const own: UnlockedEntry[] = [];
  let bytes = 0;
  let skipped = 0;
  const { packed } = chunk;
  const count = packed?.length ?? chunk.entries.length;
  // Where the pass records new entries itself, it does so from their packed fields alone.
  const recordsNew = recordsNewItself(job.operation, ctx.operationOf !== undefined);
  const prefix = packed === undefined ? undefined : childPathPrefix(dir);
  // An entry decoded only where the comparison needs more than its packed fields.
  const entryAt = (i: number) => packed?.entry(i) ?? chunk.entries[i]!;
  const links: ObservedEntry[] = [];
  const unsyncable: ObservedEntry[] = [];
  for (let i = 0; i < count; i++) {
    const type = packed?.type(i) ?? chunk.entries[i]!.type;
    if (!SYNCABLE.has(type)) {
      (type === 'symlink' ? links : unsyncable).push(entryAt(i));
      continue;
    }
    // Nearly every entry a rescan sees is recorded exactly as observed: in sync, whatever the
    // operation (classifyChange: unchanged), told without unpacking the recorded state, and for
    // a scan's entries without decoding the observation either; nearly every entry a first pass
    // under `none` sees is new, and recorded as packed.
    const ascii = packed?.asciiName(i);
    if (ascii !== undefined) {
      seen.add(ascii);
      const fields = packed!.fields(i);
      if (recorded.holdsFields(ascii, fields)) {
        if (clearFailures) {
          inSync.push(prefix === undefined ? encodeRelPath(entryAt(i).relPath) : prefix + ascii);
        }
        continue;
      }
      if (recordsNew && prefix !== undefined && recorded.packedOf(ascii) === undefined) {
        const path = prefix + ascii;
        if (watching(ctx, path)) continue;
        const value = packFields(fields);
        if (value !== undefined) {
          own.push({ path, name: ascii, value, expected: '' });
          continue;
        }
      }
    }
    const entry = entryAt(i);
    const name = ascii ?? encodeRelPath(lastElement(entry.relPath));
    if (ascii === undefined) seen.add(name);
    const path = encodeRelPath(entry.relPath);
    if (recorded.holds(name, stateOf(entry))) {
      if (clearFailures) inSync.push(path);
      continue;
    }
    const state = recorded.get(name);
    // Only new entries: a recorded one that keeps changing is the pass's to sync as ever.
    if (state === undefined && watching(ctx, path)) continue;
    const asked = operationOf(ctx, entry, state);
    const operation = typeof asked === 'string' ? asked : await asked;
    if (operation === 'skip') {
      skipped += 1;
      continue;
    }
    if (operation === 'queue' || needsWork(entry, state, operation, job.ctimeChanges)) {
      const handled = ctx.operationOf !== undefined;
      if (operation !== 'queue' && recordsItself(job.operation, handled, entry, state)) {
        own.push({
          path,
          name: ascii ?? lastElement(entry.relPath),
          value: packState(stateOf(entry)),
          expected: recorded.packedOf(name) ?? '',
        });
        continue;
      }
      work.push(path);
      // An append may send fewer bytes than the file holds: an upper bound.
      const size = operation === 'queue' || sendsBytes(operation) ? entry.size : 0;
      sizes.push(size);
      bytes += size;
    } else if (clearFailures) {
      inSync.push(path);
    }
  }
  for (const entry of links) excluded.add(encodeRelPath(lastElement(entry.relPath)));
  for (const entry of unsyncable) seen.add(encodeRelPath(lastElement(entry.relPath)));
  await Promise.all(
    unsyncable.map((entry) =>
      ctx.failures.record({
        relPath: encodeRelPath(entry.relPath),
        operation: 'scan',
        message: `a ${entry.type} has no content to ingest; list "${entry.type}" in exclude_types to skip it`,
        attempts: 1,
        at: Date.now(),
      }),
    ),
  );
  const counts = {
    seen: count - links.length,
    excluded: chunk.excluded + links.length,
    failed: chunk.failures.length + unsyncable.length,
    skipped,
  };
  return { paths: work, sizes, bytes, counts, own, inSync };
}

/**
 * Writes the states the pass records itself, queues those the write refused, and counts both as
 * found and finished; then clears the failures of the chunk's files that are in sync now (one
 * that failed once, e.g. unreadable last pass, is no longer failed).
 */
async function settleInSync(
  ctx: PassContext,
  pass: number,
  dir: Uint8Array,
  { own, inSync }: ComparedChunk,
  clearFailures: boolean,
  tally: PassTally,
): Promise<void> {
  const { written, refused, new: added } = await recordOwn(ctx.states, dir, own, ctx.recorded);
  await ctx.queue.add(
    batchesFor(
      BATCH_KINDS.sync,
      ctx.job,
      pass,
      refused,
      refused.map(() => 0),
    ),
    ctx.stopped,
  );
  tally.add({ new: added, updated: written.length - added }, refused.length + written.length, 0);
  const settled = [...inSync, ...written];
  if (clearFailures && settled.length > 0) await ctx.failures.clear(...settled);
}

/**
 * Files an earlier run lost the lock of while acting on it (FileLocks.release marks them) are
 * queued whatever their recorded state says: their retry may never have run (it failed for good,
 * or the run was a delete), and until a worker compared iRODS with them, what iRODS holds is
 * unknown. A path the job excludes by now is left alone.
 */
async function queueRechecks(ctx: PassContext, pass: number, tally: PassTally): Promise<void> {
  const marked = await ctx.states.recheckPaths();
  if (marked.length === 0) return;
  const { exclude, excludeTypes } = ctx.job.scan;
  const exclusion = compileExclusion(exclude, excludeTypes);
  const due = marked.filter((path) => {
    const text = Buffer.from(decodeRelPath(path)).toString('utf8');
    return !exclusion.usesPaths || !exclusion.excludesPath(text, false);
  });
  await ctx.queue.add(batchesFor(BATCH_KINDS.sync, ctx.job, pass, due), ctx.stopped);
  tally.add({}, due.length, 0);
}

/** Failures looked at per round trip when a pass clears those of files it found gone. */
const GONE_CHECK_PAGE = 500;

/**
 * Failure records of files that are gone, once the pass listed the tree: nothing will clear them
 * otherwise (the file never got a state, so no delete settles it). A file that is still recorded
 * keeps its failure (its delete was queued and settles it); one failed again in this pass, one
 * that cannot be looked at, or one that is there, keeps it too.
 */
async function clearGoneFailures(ctx: PassContext, pass: number): Promise<void> {
  const { job } = ctx;
  for await (const page of ctx.failures.pages(GONE_CHECK_PAGE)) {
    const earlier = page
      .filter((failure) => failure.pass !== pass)
      .map((failure) => ({ text: failure.relPath, relPath: decodeRelPath(failure.relPath) }));
    const looks = await job.stats
      .statMany(
        earlier.map(({ relPath }) => sourcePathOf(job.source, relPath)),
        job.scan.followSymlinks,
      )
      .catch(() => undefined);
    // Only a look that found nothing counts as gone: an unreadable entry keeps its failure, and
    // so does every one of a page that could not be looked at.
    if (looks === undefined) continue;
    const gone = earlier.filter((_, i) => looks[i] === undefined);
    const recorded = await ctx.states.getMany(gone.map(({ relPath }) => relPath));
    await ctx.failures.clear(
      ...gone.filter((_, i) => recorded[i] === undefined).map((g) => g.text),
    );
  }
}

async function recordScanFailures(ctx: PassContext, chunk: DirectoryChunk): Promise<void> {
  await Promise.all(
    chunk.failures.map((failure) =>
      ctx.failures.record({
        relPath: encodeRelPath(failure.relPath),
        operation: 'scan',
        errno: failure.errno,
        message: `${failure.syscall} failed: ${failure.message}`,
        attempts: 1,
        at: Date.now(),
      }),
    ),
  );
}

type Counted = Pick<Counts, 'seen' | 'excluded' | 'failed' | 'skipped'>;

function lastElement(relPath: Uint8Array): Uint8Array {
  const slash = relPath.lastIndexOf(0x2f);
  return slash < 0 ? relPath : relPath.subarray(slash + 1);
}
