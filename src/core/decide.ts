/**
 * Which action a file needs, decided from what the scan saw, what was recorded after the last
 * confirmed action, and the job's operation; and which recorded children of a directory are gone.
 * Pure: the workers and the orchestrator call these and do the I/O.
 */
import type { ObservedEntry } from './entry.js';
import { CTIME_CHANGES, OPERATIONS, type CtimeChanges, type Operation } from './job-rules.js';

/** What the state store keeps of a file or directory once iRODS confirmed its action. */
export interface RecordedState {
  /** Bytes. */
  size: number;
  /** Modification time in nanoseconds since the epoch. */
  mtimeNs: bigint;
  ino: bigint;
  type: 'file' | 'dir';
  /**
   * Status change time in nanoseconds: that of the stat the recorded action was decided and
   * carried out on. Every write moves it, also one that puts the mtime back, so a file whose
   * ctime differs from this one may hold other bytes than iRODS. Absent in states of directories.
   */
  ctimeNs?: bigint;
  /**
   * Written before the first byte of a file's first upload (or its registration) and replaced
   * once iRODS confirmed it: iRODS may hold a partial, complete or no object for it. The file
   * counts as new, but its object is the job's, so that a file gone meanwhile has it deleted
   * like any recorded file's. Only files have it; absent means false.
   */
  provisional?: true;
}

/** A file whose copy in iRODS was confirmed (neither absent, a directory, nor provisional). */
export function isConfirmedFile(
  recorded: RecordedState | undefined,
): recorded is RecordedState & { type: 'file' } {
  return recorded?.type === 'file' && recorded.provisional !== true;
}

export const SKIP_REASONS = {
  unchanged: 'unchanged',
  /** Only the status change time moved, and the job takes that for a chmod (`ctime_changes`). */
  metadataOnly: 'metadata-only',
  /** `put` uploads a file once and ignores later changes, as upstream does. */
  putOnce: 'put-once',
} as const;
export type SkipReason = (typeof SKIP_REASONS)[keyof typeof SKIP_REASONS];

/** The actions that bring iRODS in line with the file. */
export type SyncAction =
  | { kind: 'register' }
  | { kind: 'update-registration' }
  | { kind: 'register-replica' }
  | { kind: 'upload' }
  /** Send the bytes from `fromOffset` on; the worker first checks the prefix is what iRODS holds. */
  | { kind: 'append'; fromOffset: number };

export type FileAction =
  | { kind: 'skip'; why: SkipReason }
  | SyncAction
  /**
   * Compare the file's digest with the checksum of what iRODS holds: the same content is only
   * recorded (no bytes move), other content gets `onDifference`.
   */
  | { kind: 'check-content'; onDifference: SyncAction }
  /** Operation none: remember the file, touch nothing in iRODS. */
  | { kind: 'record-only' }
  /**
   * No recorded state: the object iRODS may hold already (a collection filled by another tool,
   * a lost Redis) is compared with the file first. The same size and mtime (and checksum, with
   * `checksum = "verify"`) adopt it: the file is recorded and nothing moves. No object gets
   * `onMissing`, another one `onDifference`.
   */
  | { kind: 'adopt'; onMissing: SyncAction; onDifference: SyncAction | KeepAction }
  /**
   * `put` found an object it did not send at the path: it stays (upstream's behaviour), and the
   * file is recorded as if sent, so later changes are ignored as for any put.
   */
  | KeepAction;

export interface KeepAction {
  kind: 'keep';
}

export type FileActionKind = FileAction['kind'];

/** How the observed file differs from its recorded state. */
export const CHANGES = {
  new: 'new',
  unchanged: 'unchanged',
  /** Only the status change time moved: a chmod or chown, or a write with the mtime put back. */
  metadataOnly: 'metadata-only',
  /** Same inode, more bytes: possibly appended to. */
  grown: 'grown',
  /** Same inode, same or fewer bytes, other mtime: rewritten in place. */
  rewritten: 'rewritten',
  /** Another inode at the same path: replaced (e.g. written elsewhere and renamed over it). */
  replaced: 'replaced',
} as const;
export type Change = (typeof CHANGES)[keyof typeof CHANGES];

/**
 * A recorded state of another type (a directory that became a file) describes something else,
 * and a provisional one describes no confirmed copy, so the file counts as new.
 */
export function classifyChange(
  observed: ObservedEntry,
  recorded: RecordedState | undefined,
): Change {
  if (!isConfirmedFile(recorded)) return CHANGES.new;
  if (observed.ino !== recorded.ino) return CHANGES.replaced;
  if (observed.size > recorded.size) return CHANGES.grown;
  if (observed.size !== recorded.size || observed.mtimeNs !== recorded.mtimeNs) {
    return CHANGES.rewritten;
  }
  if (recorded.ctimeNs !== undefined && observed.ctimeNs !== recorded.ctimeNs) {
    return CHANGES.metadataOnly;
  }
  return CHANGES.unchanged;
}

export interface DecideOptions {
  /** What a ctime-only change means (job key `ctime_changes`). @defaultValue "check" */
  readonly ctimeChanges?: CtimeChanges;
  /**
   * An earlier run acted on the file without holding its lock to the end, so its writes may have
   * landed after another worker's: whatever iRODS holds is checked against the file before
   * anything else is decided, unchanged or not. @defaultValue false
   */
  readonly recheck?: boolean;
}

const skip = (why: SkipReason): FileAction => ({ kind: 'skip', why });

/**
 * The action for a regular file (a followed symlink is observed as its target, so it arrives
 * here as a file too). Directories become collections and other types are excluded or kept as
 * they are; none of them comes here.
 */
export function decideFile(
  observed: ObservedEntry,
  recorded: RecordedState | undefined,
  operation: Operation,
  { ctimeChanges = CTIME_CHANGES.check, recheck = false }: DecideOptions = {},
): FileAction {
  if (observed.type !== 'file') {
    throw new RangeError(`decideFile takes regular files, got a ${observed.type}`);
  }
  const change = classifyChange(observed, recorded);
  // Operation none holds nothing in iRODS that could be checked.
  if (operation === OPERATIONS.none) {
    if (change === CHANGES.unchanged) return skip(SKIP_REASONS.unchanged);
    return change === CHANGES.metadataOnly
      ? skip(SKIP_REASONS.metadataOnly)
      : { kind: 'record-only' };
  }
  const check = (): FileAction => ({
    kind: 'check-content',
    onDifference: syncActionFor(operation, change, recorded),
  });
  if (recheck) {
    const action =
      change === CHANGES.unchanged ? undefined : actionFor(operation, change, recorded);
    // Registrations rewrite the catalog's facts of the file anyway; sending bytes waits for
    // the check, which often finds them in iRODS already.
    return action === undefined || !registers(action) ? check() : action;
  }
  if (recorded === undefined) return adoptionFor(operation);
  if (change === CHANGES.unchanged) return skip(SKIP_REASONS.unchanged);
  if (change === CHANGES.metadataOnly) {
    if (operation === OPERATIONS.put) return skip(SKIP_REASONS.putOnce);
    return ctimeChanges === CTIME_CHANGES.check ? check() : skip(SKIP_REASONS.metadataOnly);
  }
  return actionFor(operation, change, recorded);
}

/** A file never recorded: whatever iRODS holds at its path decides (see FileAction `adopt`). */
function adoptionFor(operation: Exclude<Operation, 'none'>): FileAction {
  const send = syncActionFor(operation, CHANGES.new, undefined);
  const onDifference = operation === OPERATIONS.put ? ({ kind: 'keep' } as const) : send;
  return { kind: 'adopt', onMissing: send, onDifference };
}

/** The action for a file whose size, mtime or inode changed (or that is new). */
function actionFor(
  operation: Exclude<Operation, 'none'>,
  change: Change,
  recorded: RecordedState | undefined,
): FileAction {
  if (operation === OPERATIONS.put && change !== CHANGES.new) return skip(SKIP_REASONS.putOnce);
  return syncActionFor(operation, change, recorded);
}

/** What brings iRODS in line with the file under `operation`, whatever it holds now. */
function syncActionFor(
  operation: Exclude<Operation, 'none'>,
  change: Change,
  recorded: RecordedState | undefined,
): SyncAction {
  switch (operation) {
    case 'register':
      return change === CHANGES.new ? { kind: 'register' } : { kind: 'update-registration' };
    case 'register_replica':
      return { kind: 'register-replica' };
    case 'put':
    case 'put_sync':
      return { kind: 'upload' };
    case 'put_append':
      return appendOrUpload(change, recorded);
  }
}

function registers(action: FileAction): boolean {
  return (
    action.kind === 'register' ||
    action.kind === 'update-registration' ||
    action.kind === 'register-replica'
  );
}

/**
 * Only a file that kept its inode and grew can have had bytes appended; a shrunk, rewritten or
 * replaced file is uploaded whole (upstream appended blindly here and corrupted data). Appending
 * to an empty object is an upload with an extra prefix check, so it is an upload.
 */
function appendOrUpload(change: Change, recorded: RecordedState | undefined): SyncAction {
  if (change === CHANGES.grown && recorded !== undefined && recorded.size > 0) {
    return { kind: 'append', fromOffset: recorded.size };
  }
  return { kind: 'upload' };
}

/**
 * One directory's listing, gathered over all its chunks. Names are direct children, in the text
 * form of `encodeRelPath(name)`, the same form as the keys of the recorded children.
 */
export interface DirectoryListing {
  /** The directory was listed to the end without error. */
  complete: boolean;
  /** Children seen and not excluded. */
  seen: ReadonlySet<string>;
  /** Children skipped by the job's exclude globs or types. */
  excluded: ReadonlySet<string>;
  /** Children that could not be read or stat'ed. */
  failed: ReadonlySet<string>;
}

export interface GoneChild {
  name: string;
  state: RecordedState;
}

/** A directory's recorded children by name (a Map, or the state store's packed form). */
export interface RecordedByName {
  keys(): Iterable<string>;
  get(name: string): RecordedState | undefined;
}

/**
 * The recorded children of a directory that are gone from the source and may be deleted per the
 * job's delete mode. Only a complete listing proves absence: after an error nothing is gone. An
 * excluded or unreadable child is absent from `seen` but still there, so it is never gone
 * (upstream deleted those).
 */
export function decideDeletes(recorded: RecordedByName, listing: DirectoryListing): GoneChild[] {
  if (!listing.complete) return [];
  const gone: GoneChild[] = [];
  for (const name of recorded.keys()) {
    if (listing.seen.has(name) || listing.excluded.has(name) || listing.failed.has(name)) continue;
    gone.push({ name, state: recorded.get(name)! });
  }
  return gone;
}
