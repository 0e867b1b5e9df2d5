/**
 * What a job shows: its status on the control socket (`irods-ingestctl status`, `watch`) and its
 * figures for the metrics scrape, which src/metrics/ takes through the small JobMetrics
 * interface below. The totals are summed over the passes this daemon completed.
 */
import type { JobConfig } from '../config/index.js';
import { addCounts, zeroCounts, type Counts } from '../core/counters.js';
import {
  JOB_STATES,
  WATCHER_STATES,
  type JobState,
  type JobStatus,
  type PassFailure,
  type WatcherStatus,
  type WorkersHeld,
} from '../core/job-status.js';
import type { RateMeter } from '../core/rate-meter.js';
import type { JobQueue } from '../queue/queue.js';
import type { FailureStore, JobRecords, JobStores, RedisClient } from '../state/index.js';
import type { JobWorkers } from './job-actions.js';
import type { JobSafety } from './job-safety.js';

/** A job's figures at a metrics scrape. */
export interface JobSample {
  queue: { waiting: number; active: number; delayed: number };
  /** Files in the batches this daemon's workers run now. */
  inFlightFiles: number;
  failures: number;
  refused: boolean;
  /** Failed passes in a row (0 once a pass completes). */
  failedPasses: number;
  /** Entries the held deletes would remove. */
  heldDeletes: number;
}

/** The metrics a job reports (src/metrics/ implements them). */
export interface JobMetrics {
  addJob(job: string): void;
  forgetJob(job: string): void;
  /** `probe` is asked at every scrape. */
  onScrape(job: string, probe: () => Promise<JobSample>): void;
  setWatches(job: string, watches: number): void;
  passDone(job: string, pass: number, seconds: number, endedAtMs: number): void;
  /** Files a pass settled itself, without a batch (pass-records.ts). */
  fileOutcome(job: string, outcome: 'new' | 'updated', count?: number): void;
}

/**
 * The job's figures at a metrics scrape; `runner` tells its watcher's watches (set on the metrics
 * too) and its failed passes in a row.
 */
export async function jobSample(
  { job, redis, metrics }: { job: JobConfig; redis: RedisClient; metrics: JobMetrics },
  parts: { queue: JobQueue; stores: JobStores; safety: JobSafety; workers: JobWorkers },
  runner: { watches: () => number; failedPasses: () => number },
): Promise<JobSample> {
  // Asked while Redis is away, these would wait for the reconnect; the scrape must not.
  if (redis.status !== 'ready') throw new Error('Redis is not connected');
  const c = await parts.queue.queue.getJobCounts('waiting', 'prioritized', 'active', 'delayed');
  metrics.setWatches(job.name, runner.watches());
  return {
    queue: { waiting: c.waiting! + c.prioritized!, active: c.active!, delayed: c.delayed! },
    inFlightFiles: parts.workers.filesInFlight,
    failures: await parts.stores.failures.count(),
    refused: parts.safety.refusal !== undefined,
    failedPasses: runner.failedPasses(),
    heldDeletes: (await parts.safety.gate.held())?.entries ?? 0,
  };
}

export interface StatusParts {
  readonly job: JobConfig;
  readonly records: JobRecords;
  readonly queue: JobQueue;
  readonly failures: FailureStore;
  readonly safety: JobSafety;
  readonly rate: RateMeter;
  /** Counters of the passes this daemon completed. */
  readonly completed: Counts;
  /** Read once the figures from Redis are in, as the runner is then. */
  readonly state: () => JobState;
  /** When the next pass is due (idle), or the next try of a failed one. */
  readonly nextRescanAt: () => number | undefined;
  /** The failed passes in a row, none since the last complete one. */
  readonly passFailure: () => PassFailure | undefined;
  /** Undefined for a job without a watcher. */
  readonly watcher: () => WatcherStatus | undefined;
  readonly workersHeld: () => WorkersHeld | undefined;
}

export async function jobStatus(parts: StatusParts): Promise<JobStatus> {
  const { job } = parts;
  const record = await parts.records.read();
  const [queued, failures] = await Promise.all([parts.queue.outstanding(), parts.failures.count()]);
  const current = { ...record.counts };
  const running = record.endedAt === undefined && record.pass > 0;
  const total = addCounts(parts.completed, running ? current : zeroCounts());
  const done = current.new + current.updated + current.deleted;
  const rate = parts.rate.sample(Date.now(), record.pass, done, current.bytes);
  const iso = (ms: number | undefined) =>
    ms === undefined ? undefined : new Date(ms).toISOString();
  const state = parts.state();
  return {
    name: job.name,
    source: job.source,
    target: job.target,
    operation: job.operation,
    state,
    pass: record.pass,
    current,
    total,
    queued,
    failures,
    rate,
    ...optional('passStartedAt', iso(record.startedAt)),
    ...optional('passEndedAt', iso(record.endedAt)),
    ...optional('nextRescanAt', waiting(state) ? iso(parts.nextRescanAt()) : undefined),
    watcher: parts.watcher() ?? { state: WATCHER_STATES.off, watches: 0 },
    ...optional('passFailure', parts.passFailure()),
    ...optional('workersHeld', parts.workersHeld()),
    ...(await parts.safety.status()),
    progress: {
      filesKnown: record.queued.files,
      filesDone: done + current.failed,
      bytesKnown: record.queued.bytes,
      bytesDone: current.bytes,
      scanComplete: record.scanned,
    },
  };
}

/** Whether the job waits for a pass due at a known time: the next rescan, or the next try. */
function waiting(state: JobState): boolean {
  return state === JOB_STATES.idle || state === JOB_STATES.failed;
}

/** `{ [key]: value }` when the value is defined, else nothing (optional fields stay absent). */
function optional<K extends string, V>(key: K, value: V | undefined): Partial<Record<K, V>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, V>);
}
