/**
 * What the control socket can see and do: the contract between the control server and the
 * daemon. The server turns these calls into the HTTP routes of design.md; the daemon implements
 * them (src/daemon-target.ts). The shapes they answer with are in wire.ts.
 */
import type {
  AllowDeletesResult,
  DaemonEvent,
  DaemonStatus,
  FailureList,
  JobStatus,
  ReloadResult,
  WorkerInfo,
} from './wire.js';

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
  /** Drops the job's recorded state and passes again, adopting what iRODS holds that matches. */
  resyncJob(name: string): Promise<void>;
  /**
   * Deletes every Redis key of a job that is no longer configured; resolves with how many.
   * ControlError conflict for a job configured or running here or on another daemon.
   */
  forgetJob(name: string): Promise<{ keys: number }>;
  /** Re-queues every file on the failure list; resolves with how many. */
  retryJob(name: string): Promise<{ queued: number }>;
  /**
   * Releases the job's held deletes once, or accepts a refused source root that is a directory,
   * only not the recorded one. ControlError conflict when there is neither.
   */
  allowDeletes(name: string): Promise<AllowDeletesResult>;
  failures(name: string, page: { limit: number; cursor?: string }): Promise<FailureList>;
  /** Every daemon registered on the Redis, this one included, by id. */
  workers(): Promise<WorkerInfo[]>;
  /** Reads and validates the config files again and applies them (see ReloadResult). */
  reload(): Promise<ReloadResult>;
  /** Stops scanning, lets the queues empty, then stops the daemon (exit 0). */
  drain(): Promise<void>;
  /** The effective config, secrets redacted, as JSON. */
  config(): Promise<Record<string, unknown>>;
  /** Live events until `signal` aborts. */
  events(signal: AbortSignal): AsyncIterable<DaemonEvent>;
}
