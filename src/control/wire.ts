/**
 * What crosses the control socket: the JSON shapes of the control API's answers and events (also
 * the `--json` output of irods-ingestctl), the job actions of its routes and the page limits of
 * the failure list. The daemon's side (server.ts, target.ts) and ctl (src/ctl/) share this file
 * and nothing else of each other, so fields are only ever added, never renamed. The error codes
 * of the answers are in the catalogue, src/errors.ts.
 */
import type { PassSummary } from '../core/pass-summary.js';

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

/** Counters of one pass (as its summary line reports them), or summed over several passes. */
export type Counts = Omit<PassSummary, 'durationMs'>;

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
  current: Counts;
  /** Counters summed over the passes this daemon ran. */
  total: Counts;
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
  /** Deletes held by max_delete until `allow-deletes`; absent when none are. */
  heldDeletes?: HeldDeletes;
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

export interface DaemonStatus {
  version: string;
  pid: number;
  role: 'all' | 'worker';
  /** ISO 8601. */
  startedAt: string;
  /** Config, Redis and the control socket are up (what systemd's READY=1 means). */
  ready: boolean;
  /** `drain` was requested: no new passes; the daemon exits once the queues are empty. */
  draining: boolean;
  redis: { connected: boolean; embedded: boolean };
  irods: { url: string };
  jobs: JobStatus[];
  /**
   * Jobs that left keys in Redis but are not configured and run on no daemon:
   * `irods-ingestctl forget NAME` removes them.
   */
  leftoverJobs: string[];
  /**
   * Shared jobs this daemon does not work (worker role): their definitions cannot be used on this
   * host, so their batches are left to other daemons. Absent when there are none.
   */
  unusableJobs?: UnusableJob[];
}

/** A shared job a worker host leaves to others, and why. */
export interface UnusableJob {
  name: string;
  reason: string;
}

/** One daemon on the Redis, as its heartbeat last reported it (`GET /v1/workers`). */
export interface WorkerInfo {
  /** The daemon's run id: host, process id and a random part (new at every start). */
  id: string;
  host: string;
  pid: number;
  role: 'all' | 'worker';
  version: string;
  /** ISO 8601. */
  startedAt: string;
  /** ISO 8601: its last heartbeat. A daemon silent for the timeout is no longer listed. */
  lastSeen: string;
  /** Its embedded worker concurrency (`daemon.workers`). */
  workers: number;
  /** The jobs whose queues it works (or scans, role all), by name. */
  jobs: string[];
  /** Shared jobs it cannot work on its host. */
  unusable: UnusableJob[];
  /** Batches its workers run now. */
  batchesInFlight: number;
}

export interface FailureRecord {
  /** The file's path relative to the job's source (non-UTF-8 bytes escaped as in the state). */
  path: string;
  operation: string;
  irodsCode?: number;
  errno?: string;
  message: string;
  attempts: number;
  /** ISO 8601. */
  at: string;
}

export interface FailureList {
  failures: FailureRecord[];
  /** Pass back as `cursor` for the next page; absent on the last page. */
  next?: string;
}

/** Outcome of a reload: applied, or refused with every problem of the new config. */
export interface ReloadResult {
  applied: boolean;
  /** Problems of the new config, formatted as --check-config prints them (refused reloads). */
  problems: string[];
  added: string[];
  removed: string[];
  changed: string[];
  /** Keys that changed but only take effect after a restart, e.g. "redis.url". */
  needsRestart: string[];
}

/** One line of `GET /v1/events`. */
export interface DaemonEvent {
  /** ISO 8601. */
  at: string;
  kind: 'pass-started' | 'pass-done' | 'job-state' | 'file-failed' | 'reload' | 'log';
  job?: string;
  message: string;
  /** Kind-specific details (the counters for pass-done, the path for file-failed, ...). */
  data?: Record<string, unknown>;
}

export const JOB_ACTIONS = {
  stop: 'stop',
  pause: 'pause',
  resume: 'resume',
  rescan: 'rescan',
  retry: 'retry',
  'allow-deletes': 'allow-deletes',
  resync: 'resync',
  forget: 'forget',
} as const;
export type JobAction = (typeof JOB_ACTIONS)[keyof typeof JOB_ACTIONS];

/** `GET /v1/jobs/{name}/failures?limit=`: the default and the largest page. */
export const FAILURES_PAGE = { default: 100, max: 10_000 } as const;
