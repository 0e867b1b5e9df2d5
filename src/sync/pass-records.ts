/**
 * What a pass records itself instead of queueing it (issue 19, a fast first inventory): under
 * operation `none` without an event handler, recording an entry's stat is all a worker would do
 * (no hooks, nothing in iRODS), so a queue round trip, a lock and a second stat buy nothing. The
 * write itself checks that no worker holds the entry and that its state is still the one the
 * pass compared with (FileStateStore.recordUnlocked); what it refuses is queued as before.
 */
import type { RecordedState } from '../core/decide.js';
import type { ObservedEntry } from '../core/entry.js';
import { OPERATIONS, type Operation } from '../core/job-rules.js';
import type { FileStateStore, UnlockedEntry } from '../state/index.js';

/** Whether the pass records the entries it finds new itself: under `none` without a handler. */
export function recordsNewItself(operation: Operation, handled: boolean): boolean {
  return operation === OPERATIONS.none && !handled;
}

/**
 * Whether the pass records an entry that needs work itself: only where it records new ones, and
 * only a new entry or a file recorded as a confirmed file. A type swap has a recorded tree to
 * forget, and a provisional state an object to account for, which are a worker's.
 */
export function recordsItself(
  operation: Operation,
  handled: boolean,
  entry: ObservedEntry,
  recorded: RecordedState | undefined,
): boolean {
  if (!recordsNewItself(operation, handled)) return false;
  if (recorded === undefined) return true;
  return entry.type === 'file' && recorded.type === 'file' && recorded.provisional !== true;
}

/** What a worker records for an entry under `none` (worker/directories.ts, worker/source.ts). */
export function stateOf(entry: ObservedEntry): RecordedState {
  const { size, mtimeNs, ino, ctimeNs } = entry;
  if (entry.type === 'dir') return { type: 'dir', size: 0, mtimeNs, ino };
  return { type: 'file', size, mtimeNs, ino, ctimeNs };
}

export interface OwnRecorded {
  /** Text paths recorded: done. */
  written: string[];
  /** Text paths a worker holds, or whose state changed since the comparison: to be queued. */
  refused: string[];
  /** How many of those written were new (the others updated). */
  new: number;
}

/**
 * Records `own`, children of `dir`, in one round trip. `heard` learns how many were new and
 * updated, as the workers' outcomes are counted.
 */
export async function recordOwn(
  states: FileStateStore,
  dir: Uint8Array,
  own: readonly UnlockedEntry[],
  heard?: (outcome: 'new' | 'updated', count: number) => void,
): Promise<OwnRecorded> {
  const done: OwnRecorded = { written: [], refused: [], new: 0 };
  const flags = await states.recordUnlocked(dir, own);
  own.forEach(({ path, expected }, i) => {
    if (!flags[i]) {
      done.refused.push(path);
      return;
    }
    done.written.push(path);
    if (expected === '') done.new += 1;
  });
  if (done.new > 0) heard?.('new', done.new);
  if (done.written.length > done.new) heard?.('updated', done.written.length - done.new);
  return done;
}
