/**
 * What crosses the control socket: the JSON shapes of the control API's answers and events (also
 * the `--json` output of irods-ingestctl), the job actions of its routes and the page limits of
 * the failure list. The daemon's side (server.ts, target.ts) and ctl (src/ctl/) share this file
 * and nothing else of each other, so fields are only ever added, never renamed. The error codes
 * of the answers are in the catalogue, src/errors.ts. What the jobs report (their states, status
 * and counters) and the events are defined in src/core/, where the jobs can use them too, and
 * re-exported here.
 */
/** The counters of a pass, as `current` and `total` of a job's status carry them. */
export type { ReportedCounts as Counts } from '../core/counters.js';
export type { DaemonEvent } from '../core/event-hub.js';
export {
  JOB_STATES,
  WATCHER_STATES,
  type AllowDeletesResult,
  type HeldDeletes,
  type JobState,
  type JobStatus,
  type PassProgress,
  type WatcherState,
  type WatcherStatus,
} from '../core/job-status.js';
import type { JobStatus } from '../core/job-status.js';

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
