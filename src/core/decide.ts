/**
 * Which action a file needs, decided from what the scan saw, what was recorded after the last
 * confirmed action, and the job's operation; and which recorded children of a directory are gone.
 * Pure: the workers and the orchestrator call these and do the I/O.
 */
import type { ObservedEntry } from './entry.js';
import type { Operation } from './job-rules.js';

/** What the state store keeps of a file or directory once iRODS confirmed its action. */
export interface RecordedState {
  /** Bytes. */
  size: number;
  /** Modification time in nanoseconds since the epoch. */
  mtimeNs: bigint;
  ino: bigint;
  type: 'file' | 'dir';
  /**
   * Status change time in nanoseconds, when the store keeps it. Without it a ctime-only change
   * (chmod, chown) cannot be told apart from no change at all, and counts as unchanged.
   */
  ctimeNs?: bigint;
}

export const SKIP_REASONS = {
  unchanged: 'unchanged',
  /** Only the status change time moved (chmod, chown): no data moves. */
  metadataOnly: 'metadata-only',
  /** `put` uploads a file once and ignores later changes, as upstream does. */
  putOnce: 'put-once',
} as const;
export type SkipReason = (typeof SKIP_REASONS)[keyof typeof SKIP_REASONS];

export type FileAction =
  | { kind: 'skip'; why: SkipReason }
  | { kind: 'register' }
  | { kind: 'update-registration' }
  | { kind: 'register-replica' }
  | { kind: 'upload' }
  /** Send the bytes from `fromOffset` on; the worker first checks the prefix is what iRODS holds. */
  | { kind: 'append'; fromOffset: number }
  /** Operation none: remember the file, touch nothing in iRODS. */
  | { kind: 'record-only' };

export type FileActionKind = FileAction['kind'];

/** How the observed file differs from its recorded state. */
export const CHANGES = {
  new: 'new',
  unchanged: 'unchanged',
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
 * A recorded state of another type (a directory that became a file) describes something else, so
 * the file counts as new.
 */
export function classifyChange(
  observed: ObservedEntry,
  recorded: RecordedState | undefined,
): Change {
  if (recorded === undefined || recorded.type !== 'file') return CHANGES.new;
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

/**
 * The action for a regular file (a followed symlink is observed as its target, so it arrives
 * here as a file too). Directories become collections and other types are excluded or kept as
 * they are; none of them comes here.
 */
export function decideFile(
  observed: ObservedEntry,
  recorded: RecordedState | undefined,
  operation: Operation,
): FileAction {
  if (observed.type !== 'file') {
    throw new RangeError(`decideFile takes regular files, got a ${observed.type}`);
  }
  const change = classifyChange(observed, recorded);
  if (change === CHANGES.unchanged) return { kind: 'skip', why: SKIP_REASONS.unchanged };
  if (change === CHANGES.metadataOnly) return { kind: 'skip', why: SKIP_REASONS.metadataOnly };
  const isNew = change === CHANGES.new;
  switch (operation) {
    case 'register':
      return isNew ? { kind: 'register' } : { kind: 'update-registration' };
    case 'register_replica':
      return { kind: 'register-replica' };
    case 'put':
      return isNew ? { kind: 'upload' } : { kind: 'skip', why: SKIP_REASONS.putOnce };
    case 'put_sync':
      return { kind: 'upload' };
    case 'put_append':
      return appendOrUpload(change, recorded);
    case 'none':
      return { kind: 'record-only' };
  }
}

/**
 * Only a file that kept its inode and grew can have had bytes appended; a shrunk, rewritten or
 * replaced file is uploaded whole (upstream appended blindly here and corrupted data). Appending
 * to an empty object is an upload with an extra prefix check, so it is an upload.
 */
function appendOrUpload(change: Change, recorded: RecordedState | undefined): FileAction {
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

/**
 * The recorded children of a directory that are gone from the source and may be deleted per the
 * job's delete mode. Only a complete listing proves absence: after an error nothing is gone. An
 * excluded or unreadable child is absent from `seen` but still there, so it is never gone
 * (upstream deleted those).
 */
export function decideDeletes(
  recorded: ReadonlyMap<string, RecordedState>,
  listing: DirectoryListing,
): GoneChild[] {
  if (!listing.complete) return [];
  const gone: GoneChild[] = [];
  for (const [name, state] of recorded) {
    if (listing.seen.has(name) || listing.excluded.has(name) || listing.failed.has(name)) continue;
    gone.push({ name, state });
  }
  return gone;
}
