/**
 * `max_delete`: how much of what a job tracks one pass, resync or watched burst may delete before
 * its deletes are held for the operator (`irods-ingestctl allow-deletes NAME`). An unmounted
 * source, a wrong `source` or an `rm -rf` in the wrong place all look like a mass delete; the
 * limit turns them into a question instead of a loss.
 *
 * The value is a count of entries (`1000`, `"1000"`) or a share of the tracked entries
 * (`"50%"`). A share does not hold jobs that track fewer than SHARE_MIN_TRACKED entries: deleting
 * 3 of 5 files is ordinary there. A vanished directory weighs as much as the entries recorded in
 * it, itself included.
 */

export type MaxDelete = { readonly count: number } | { readonly percent: number };

export const DEFAULT_MAX_DELETE = '50%';

/** Jobs tracking fewer entries are not held by a share (a count still holds them). */
export const SHARE_MIN_TRACKED = 100;

const COUNT = /^\d{1,15}$/;
const PERCENT = /^(\d{1,3}(?:\.\d+)?)%$/;

/** Why `value` is not a `max_delete`, or undefined when it is one. */
export function maxDeleteProblem(value: string | number): string | undefined {
  if (typeof value === 'number') {
    return Number.isSafeInteger(value) && value >= 0
      ? undefined
      : `${value} is not a count of entries (a whole number from 0) or a share like "50%"`;
  }
  const share = PERCENT.exec(value);
  if (share !== null) {
    return Number(share[1]) <= 100 ? undefined : `${value} is more than 100%`;
  }
  if (COUNT.test(value)) return undefined;
  return `${JSON.stringify(value)} is not a count of entries ("1000") or a share of the tracked entries ("50%")`;
}

/** The parsed `max_delete`; throws RangeError for a value maxDeleteProblem refuses. */
export function parseMaxDelete(value: string | number): MaxDelete {
  const problem = maxDeleteProblem(value);
  if (problem !== undefined) throw new RangeError(`max_delete: ${problem}`);
  if (typeof value === 'number') return { count: value };
  const share = PERCENT.exec(value);
  return share === null ? { count: Number(value) } : { percent: Number(share[1]) };
}

/**
 * The most entries one pass or burst may delete without a hold, for a job tracking `tracked`
 * entries; Infinity when the limit does not apply.
 */
export function deleteLimit(max: MaxDelete, tracked: number): number {
  if ('count' in max) return max.count;
  if (tracked < SHARE_MIN_TRACKED) return Number.POSITIVE_INFINITY;
  return Math.floor((tracked * max.percent) / 100);
}

/**
 * Whether deleting `entries` must wait for the operator. `allowance` is what the operator
 * released last (allow-deletes): a pass that was already deciding the same deletes is not held
 * for them a second time.
 */
export function holdsDeletes(
  max: MaxDelete,
  tracked: number,
  entries: number,
  allowance = 0,
): boolean {
  return entries > Math.max(deleteLimit(max, tracked), allowance);
}

/** "50%" or "1000 entries", for messages. */
export function describeMaxDelete(max: MaxDelete): string {
  return 'count' in max ? `${max.count} entries` : `${max.percent}%`;
}
