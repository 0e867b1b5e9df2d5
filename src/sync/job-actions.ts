/**
 * What a job needs done by its workers and on iRODS, handed in by daemon.ts from src/worker/
 * (worker/job-actions.ts implements it): src/sync/ schedules passes and watching and feeds the
 * queue, and acts on iRODS only through these.
 */
import type { JobConfig } from '../config/index.js';
import type { RecordedState } from '../core/decide.js';
import type { WorkersHeld } from '../core/job-status.js';
import type { HandlerLookup } from '../handlers/registry.js';
import type { Logger } from '../log.js';
import type { JobQueue } from '../queue/queue.js';
import type { SourceFiles, SourceStats } from '../sources/index.js';
import type { FileLocks, FileStateStore, JobStores, RedisConnector } from '../state/index.js';

/** A job's embedded workers (worker/pool.ts). */
export interface JobWorkers {
  /** Starts taking batches from the queue (nothing with concurrency 0). */
  start(): void;
  /** No new batches are taken; running ones finish. */
  pause(): Promise<void>;
  resume(): void;
  /**
   * Lets running batches finish within `graceMs`, then cuts the connections; false when some
   * still ran then (they are left to run again later, nothing half-done is recorded).
   */
  close(graceMs: number): Promise<boolean>;
  readonly batchesInFlight: number;
  readonly filesInFlight: number;
  /** Workers are wanted but were never started (stopped before the job claimed its state). */
  readonly unstarted: boolean;
  /** Why the workers take no batches while Redis refuses writes, and since when. */
  readonly held: WorkersHeld | undefined;
}

/** What a job's workers are built from. */
export interface WorkerParts {
  readonly job: JobConfig;
  readonly connector: RedisConnector;
  readonly keyPrefix: string;
  /** Concurrent batches; 0 = no workers. */
  readonly concurrency: number;
  readonly queue: JobQueue;
  readonly stores: JobStores;
  readonly logger: Logger;
  readonly stats: SourceStats;
  readonly files?: SourceFiles;
  /** Why deletes may not run now, or undefined when they may (the source guard). */
  readonly deletesRefused: () => Promise<string | undefined>;
  /** Asks the job for a pass. */
  readonly rescan: (why: string) => void;
  readonly handlers?: HandlerLookup;
}

/** A rename the watcher saw, to carry over to iRODS (worker/renames.ts). */
export interface RenameRequest {
  readonly job: JobConfig;
  readonly states: FileStateStore;
  readonly locks: FileLocks;
  /** Identifies this rename in the file locks. */
  readonly owner: string;
  readonly from: Uint8Array;
  readonly to: Uint8Array;
  /** What was recorded for `from`; it becomes the state of `to`. */
  readonly state: RecordedState;
}

export interface JobActions {
  workers(parts: WorkerParts): JobWorkers;
  /** The problems that keep the job from starting, one sentence each; [] when it may. */
  preflight(job: JobConfig): Promise<string[]>;
  /** Makes sure the job's target collection exists (with its handler's hooks around it). */
  ensureTarget(job: JobConfig, handlers: HandlerLookup | undefined, logger: Logger): Promise<void>;
  /** Whether the rename was carried over; false when the ordinary way must be taken. */
  rename(request: RenameRequest): Promise<boolean>;
}
