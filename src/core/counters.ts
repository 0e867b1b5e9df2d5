/**
 * The one counters vocabulary: what a pass counts, wherever it shows: the pass record in Redis
 * (one hash field each, src/state/job-records.ts), the summary line and its log fields, the
 * control API's `current` and `total`, and the counts handed to a handler's prePass and postPass.
 * Only the names below cross those boundaries, so their spelling is a contract.
 */

export const PASS_COUNTERS = {
  /** Entries the scan saw and did not exclude (files and directories). */
  seen: 'seen',
  /** Entries acted on that had no recorded state. */
  new: 'new',
  /** Entries acted on because they changed since their recorded state. */
  updated: 'updated',
  /** Recorded entries found gone and deleted per the job's delete mode. */
  deleted: 'deleted',
  /** Entries skipped by the job's exclude globs or types. */
  excluded: 'excluded',
  /** Entries that failed and are on the failure list. */
  failed: 'failed',
  /** Bytes sent to iRODS (uploads and appends; registering sends none). */
  bytes: 'bytes',
  /** Files without recorded state whose object iRODS held already: recorded, nothing sent. */
  adopted: 'adopted',
  /** Files `put` did not send because another object was at their path (it stays). */
  kept: 'kept',
  /** Files the job's event handler chose operation `none` for: nothing done, nothing recorded. */
  skipped: 'skipped',
} as const;
export type PassCounter = (typeof PASS_COUNTERS)[keyof typeof PASS_COUNTERS];

/** Counters of one pass, or summed over several. */
export type Counts = Record<PassCounter, number>;

/** The counters added after the first release. */
type LaterCounter = 'adopted' | 'kept' | 'skipped';

/**
 * Counters as the control API and the summary line carry them: the later ones may be absent (an
 * older daemon's answer; a summary shows them only when not zero).
 */
export type ReportedCounts = Omit<Counts, LaterCounter> & Partial<Pick<Counts, LaterCounter>>;

const COUNTER_NAMES = Object.values(PASS_COUNTERS);

export function zeroCounts(): Counts {
  return Object.fromEntries(COUNTER_NAMES.map((name) => [name, 0])) as Counts;
}

/** Adds `more` into `into` (and returns it); counters `more` lacks are left as they are. */
export function addInto<T extends Partial<Counts>>(into: T, more: Partial<Counts>): T {
  const sum: Partial<Counts> = into;
  for (const [name, by] of Object.entries(more) as [PassCounter, number | undefined][]) {
    if (by !== undefined) sum[name] = (sum[name] ?? 0) + by;
  }
  return into;
}

/** `a` + `b`, a new object. */
export function addCounts(a: Counts, b: Partial<Counts>): Counts {
  return addInto({ ...a }, b);
}
