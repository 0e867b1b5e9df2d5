/**
 * What a job reports of itself: its state, its watcher's, and its status as the control API's
 * `GET /v1/jobs` answers it (src/control/wire.ts re-exports these for the socket and ctl). The
 * jobs (src/sync/) fill them in; fields are only ever added, never renamed.
 */
import type { ReportedCounts } from './counters.js';

export const JOB_STATES = {
  running: 'running',
  idle: 'idle',
  paused: 'paused',
  stopped: 'stopped',
  done: 'done',
  failed: 'failed',
} as const;
export type JobState = (typeof JOB_STATES)[keyof typeof JOB_STATES];

export const WATCHER_STATES = {
  /** The job does not watch (`watch = false`) or this daemon does not scan (role worker). */
  off: 'off',
  starting: 'starting',
  watching: 'watching',
  /** Watching was wanted but is not possible; `reason` says why (budget, network filesystem). */
  rescanOnly: 'rescan-only',
} as const;
export type WatcherState = (typeof WATCHER_STATES)[keyof typeof WATCHER_STATES];

export interface WatcherStatus {
  state: WatcherState;
  /** Why the job is rescan-only, or the last watcher error. */
  reason?: string;
  /** inotify watches this job holds. */
  watches: number;
  /** fs.inotify.max_user_watches, when it could be read. */
  limit?: number;
  /**
   * fs.inotify.max_queued_events when it is below the advised size (a full-speed burst of several
   * seconds; etc/sysctl.d), with that size: a stall longer than the queue lasts loses events.
   */
  eventQueue?: { limit: number; advised: number };
}

export interface JobStatus {
  name: string;
  source: string;
  target: string;
  operation: string;
  state: JobState;
  /** The current (or last) pass; 0 before the first. */
  pass: number;
  /** Counters of the current (or last) pass. */
  current: ReportedCounts;
  /** Counters summed over the passes this daemon ran. */
  total: ReportedCounts;
  /** Batches waiting in the queue or in flight. */
  queued: number;
  /** Files on the failure list (they are retried by `retry`). */
  failures: number;
  /** Files and bytes per second over the last minute. */
  rate: { files: number; bytes: number };
  /** ISO 8601 times; absent when not known yet. */
  passStartedAt?: string;
  passEndedAt?: string;
  nextRescanAt?: string;
  watcher: WatcherStatus;
  /** Work of the current pass, for `watch`'s bar and ETA; absent when the daemon cannot tell. */
  progress?: PassProgress;
  /**
   * Passes are refused before any decision: the source root is not the recorded one, another
   * job's target overlaps, or the preflight failed (missing resource, no create access to the
   * target, a registering job without a rodsadmin user); `reason` says what to fix.
   */
  refused?: { reason: string; since: string };
  /**
   * The last passes failed (iRODS or Redis away, a failing `prePass` hook): why the last one did,
   * when the first of them did, and how many in a row. Absent once a pass completes; the next try
   * is `nextRescanAt`.
   */
  passFailure?: PassFailure;
  /** Deletes held by max_delete until `allow-deletes`; absent when none are. */
  heldDeletes?: HeldDeletes;
  /** The job's workers take no batches: Redis refuses writes (why, what to do). */
  workersHeld?: WorkersHeld;
}

export interface WorkersHeld {
  reason: string;
  /** ISO 8601. */
  since: string;
}

export interface PassFailure {
  reason: string;
  /** ISO 8601: when the first failed pass of the row failed. */
  since: string;
  /** Failed passes in a row. */
  attempts: number;
}

/** Deletes max_delete held (`irods-ingestctl allow-deletes NAME` releases them once). */
export interface HeldDeletes {
  /** Entries they would remove (a directory counts with everything recorded in it). */
  entries: number;
  /** Paths held (a directory is one). */
  paths: number;
  /** The most entries the job may delete at once, for `tracked`. */
  limit: number;
  /** Entries the job tracked then. */
  tracked: number;
  /** The pass that held them (or during which the watcher did). */
  pass: number;
  /** ISO 8601. */
  since: string;
  by: 'pass' | 'watch';
}

/** What `allow-deletes` did: released held deletes, or accepted the source root as it is now. */
export interface AllowDeletesResult {
  job: string;
  /** Held deletes queued now. */
  released?: { entries: number; paths: number };
  /** The source root accepted as the job's (it was refused as another one); a pass follows. */
  accepted?: string;
}

/**
 * How far the current pass is with the work it has found so far. `known` grows while the scan
 * runs, so a bar over it can move backwards in percent; it is exact once the scan is complete.
 */
export interface PassProgress {
  /** Entries the pass found needing an action (new, updated, deleted), queued or finished. */
  filesKnown: number;
  /** Of those, actions finished: done in iRODS or on the failure list. */
  filesDone: number;
  /** Bytes the known actions will send (uploads; registering sends none). */
  bytesKnown: number;
  bytesDone: number;
  /** The scan of this pass is complete: `known` will not grow any more. */
  scanComplete: boolean;
}
