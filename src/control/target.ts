/**
 * What the control socket can see and do: the contract between the control server (and through
 * it `irods-ingestctl`) and the daemon. The server turns these calls into the HTTP routes of
 * design.md; the daemon implements them. Every shape here is also the `--json` output of ctl, so
 * fields are only ever added, never renamed.
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
  /** Passes are refused before any decision: the source root is not the recorded one. */
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

/**
 * Errors the target throws for the server to turn into `{ error: { code, message } }`. Anything
 * else becomes a 500 with code `internal`.
 */
export const CONTROL_ERROR_CODES = {
  /** 400: the request is malformed or a field is invalid (message names the field). */
  badRequest: 'bad-request',
  /**
   * 403: the admin's config does not allow it: an ad-hoc job while daemon.adhoc_sources or
   * daemon.adhoc_targets is empty, or one reaching outside them or daemon.handler_dirs.
   */
  forbidden: 'forbidden',
  /** 404: no such job or route. */
  notFound: 'not-found',
  /** 409: the job exists already, or is in a state that does not allow the action. */
  conflict: 'conflict',
  /** 503: the daemon is stopping or not ready. */
  unavailable: 'unavailable',
} as const;
export type ControlErrorCode = (typeof CONTROL_ERROR_CODES)[keyof typeof CONTROL_ERROR_CODES];

export class ControlError extends Error {
  readonly code: ControlErrorCode;

  constructor(code: ControlErrorCode, message: string) {
    super(message);
    this.name = 'ControlError';
    this.code = code;
  }
}

/** The daemon as the control socket sees it. */
export interface ControlTarget {
  status(): Promise<DaemonStatus>;
  jobs(): Promise<JobStatus[]>;
  /** Throws ControlError not-found for an unknown job. */
  job(name: string): Promise<JobStatus>;
  /**
   * Adds an ad-hoc job. `spec` is the `[[job]]` table as JSON (TOML key names: `name`, `source`,
   * `target`, `operation`, `rescan_interval`, ...), validated exactly like a config file's job;
   * its problems come back as ControlError bad-request naming the keys. It must stay within the
   * admin's bounds (daemon.adhoc_sources, adhoc_targets, handler_dirs), else ControlError
   * forbidden naming the key to set; the job runs on its source resolved (symlinks, `..`).
   */
  startJob(spec: Record<string, unknown>): Promise<JobStatus>;
  /** Stops the job's passes and watcher and removes it until restart or reload. */
  stopJob(name: string): Promise<void>;
  /** No new passes and no watcher events are queued; running batches finish. */
  pauseJob(name: string): Promise<void>;
  resumeJob(name: string): Promise<void>;
  /** Starts a pass now (or right after the running one). */
  rescanJob(name: string): Promise<void>;
  /** Re-queues every file on the failure list; resolves with how many. */
  retryJob(name: string): Promise<{ queued: number }>;
  /**
   * Releases the job's held deletes once, or accepts a refused source root that is a directory,
   * only not the recorded one. ControlError conflict when there is neither.
   */
  allowDeletes(name: string): Promise<AllowDeletesResult>;
  failures(name: string, page: { limit: number; cursor?: string }): Promise<FailureList>;
  /** Reads and validates the config files again and applies them (see ReloadResult). */
  reload(): Promise<ReloadResult>;
  /** Stops scanning, lets the queues empty, then stops the daemon (exit 0). */
  drain(): Promise<void>;
  /** The effective config, secrets redacted, as JSON. */
  config(): Promise<Record<string, unknown>>;
  /** Live events until `signal` aborts. */
  events(signal: AbortSignal): AsyncIterable<DaemonEvent>;
}
