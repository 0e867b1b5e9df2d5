/**
 * A type swap: a directory replaced by a file of the same name, or a file by a directory. iRODS
 * cannot hold a data object and a collection at one path, so the old entry's copy has to go
 * before the new one can be made. It goes through the job's delete mode, like any delete; under
 * `keep` it stays, and the new entry fails with a reason that says what blocks it.
 */
import type { DeleteMode, Operation } from './job-rules.js';

export const SWAP_PLANS = {
  /** Nothing recorded of another type: sync as usual. */
  none: 'none',
  /** Remove the old entry's copy (and forget its state) through the delete mode, then sync. */
  clear: 'clear',
  /** `keep`: the old copy stays in the way. */
  blocked: 'blocked',
  /** Operation `none` keeps nothing in iRODS: only the old state goes. */
  forget: 'forget',
} as const;
export type SwapPlan = (typeof SWAP_PLANS)[keyof typeof SWAP_PLANS];

export type EntryKind = 'file' | 'dir';

export function swapPlan(
  recorded: EntryKind | undefined,
  observed: EntryKind,
  mode: DeleteMode,
  operation: Operation,
): SwapPlan {
  if (recorded === undefined || recorded === observed) return SWAP_PLANS.none;
  if (operation === 'none') return SWAP_PLANS.forget;
  return mode === 'keep' ? SWAP_PLANS.blocked : SWAP_PLANS.clear;
}

/** Why the old copy of a swapped entry is still in the way. */
export const IN_THE_WAY = {
  /** delete = "keep". */
  kept: 'kept',
  /** A collection still holds objects the job did not put there. */
  notEmpty: 'not-empty',
  /** A registered object has replicas outside the source, which unregistering would orphan. */
  notOwned: 'not-owned',
} as const;
export type InTheWay = (typeof IN_THE_WAY)[keyof typeof IN_THE_WAY];

/** The failure message of a swapped entry whose old copy at `logicalPath` stays. */
export function inTheWayMessage(old: EntryKind, logicalPath: string, why: InTheWay): string {
  const what =
    old === 'dir'
      ? `the collection ${logicalPath} (the directory that was here)`
      : `the data object ${logicalPath} (the file that was here)`;
  switch (why) {
    case IN_THE_WAY.kept:
      return `${what} is in the way; with delete = "keep" it stays: remove it in iRODS, or use a delete mode`;
    case IN_THE_WAY.notEmpty:
      return `${what} is in the way: it still holds objects the job did not put there; move them away in iRODS`;
    case IN_THE_WAY.notOwned:
      return `${what} is in the way: it has replicas outside the source, which unregistering would orphan; remove it in iRODS`;
  }
}
