/**
 * Runs one ingest job: its queue, its embedded workers, and (unless this daemon is a worker
 * only) its passes: one after start, then one every `rescan_interval`; a job whose interval is
 * "0" makes one pass and is then done. Each pass ends with one summary line at info.
 *
 * Lifecycle: start() → stop() (memoised): the pass loop stops scanning at once; the workers let
 * their running batches finish (BullMQ close), or after `graceMs` are closed by force, which
 * leaves those batches to be taken again from the queue later (nothing half-done is recorded).
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Worker, type ConnectionOptions, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { JobConfig } from '../config/index.js';
import { formatPassSummary } from '../core/pass-summary.js';
import { backoffDelay } from '../core/retry.js';
import type { IrodsClient } from '../irods/index.js';
import type { Logger } from '../log.js';
import type { BatchPayload } from '../queue/payload.js';
import { JobQueue, queueName } from '../queue/queue.js';
import {
  FailureStore,
  FileLocks,
  FileStateStore,
  JobRecords,
  queuePrefix,
  WriteHandles,
} from '../state/index.js';
import { processBatch, type BatchDeps } from './batch.js';
import { scanAndQueue, type PassContext } from './pass.js';

export const JOB_STATES = {
  running: 'running',
  idle: 'idle',
  done: 'done',
  stopped: 'stopped',
  failed: 'failed',
} as const;
export type JobState = (typeof JOB_STATES)[keyof typeof JOB_STATES];

export interface JobRunnerDeps {
  readonly job: JobConfig;
  readonly redis: Redis;
  readonly connection: ConnectionOptions;
  readonly keyPrefix: string;
  readonly client: IrodsClient;
  readonly logger: Logger;
  /** Concurrent batches of this job's embedded workers; 0 = none. */
  readonly concurrency: number;
  /** Run passes (role "all"), or only work the queue (role "worker"). */
  readonly scans: boolean;
}

/** Retries of busy files wait this long: the file's current batch is usually done by then. */
const BUSY_RETRY_MS = 2_000;
const RETRY_BACKOFF = { baseMs: 2_000, maxMs: 5 * 60_000 };
const PROGRESS_EVERY_MS = 5_000;

export class JobRunner {
  readonly name: string;
  #state: JobState = JOB_STATES.idle;
  readonly #deps: JobRunnerDeps;
  readonly #queue: JobQueue;
  readonly #records: JobRecords;
  readonly #batchDeps: Omit<BatchDeps, 'owner'>;
  readonly #passCtx: PassContext;
  #worker: Worker<BatchPayload> | undefined;
  #passLoop: Promise<void> | undefined;
  #stopping = false;
  #stopped: Promise<void> | undefined;
  readonly #wake = new AbortController();

  constructor(deps: JobRunnerDeps) {
    const { job, redis, keyPrefix } = deps;
    this.name = job.name;
    this.#deps = deps;
    this.#queue = new JobQueue(job.name, deps.connection, queuePrefix(keyPrefix), (error) =>
      deps.logger.warn(`job ${job.name}: queue connection: ${error.message}`),
    );
    this.#records = new JobRecords(redis, keyPrefix, job.name);
    const states = new FileStateStore(redis, keyPrefix, job.name);
    const failures = new FailureStore(redis, keyPrefix, job.name);
    this.#batchDeps = {
      job,
      client: deps.client,
      states,
      failures,
      records: this.#records,
      locks: new FileLocks(redis, keyPrefix, job.name),
      handles: new WriteHandles(redis, keyPrefix, job.name),
      logger: deps.logger,
    };
    this.#passCtx = {
      job: {
        name: job.name,
        source: job.source,
        operation: job.operation,
        filesPerTask: job.files_per_task,
        scan: {
          exclude: job.exclude,
          excludeTypes: job.exclude_types,
          followSymlinks: job.follow_symlinks,
        },
      },
      states,
      failures,
      records: this.#records,
      queue: this.#queue,
      stopped: () => this.#stopping,
    };
  }

  get state(): JobState {
    return this.#state;
  }

  /** Resolves when the job's passes end: done for one-pass jobs, stopped otherwise. */
  get finished(): Promise<void> {
    return this.#passLoop ?? Promise.resolve();
  }

  start(): void {
    if (this.#deps.concurrency > 0) {
      this.#worker = new Worker<BatchPayload>(
        queueName(this.name),
        (bullJob) => this.#runBatch(bullJob),
        {
          connection: this.#deps.connection,
          prefix: queuePrefix(this.#deps.keyPrefix),
          concurrency: this.#deps.concurrency,
        },
      );
      this.#worker.on('failed', (bullJob, error) =>
        this.#deps.logger.warn(
          `job ${this.name}: a batch failed and will be tried again: ${error.message}`,
          {
            batch: bullJob?.id,
          },
        ),
      );
      this.#worker.on('error', (error) =>
        this.#deps.logger.error(`job ${this.name}: queue worker error: ${error.message}`),
      );
    }
    if (this.#deps.scans) this.#passLoop = this.#runPasses();
  }

  stop(graceMs: number): Promise<void> {
    this.#stopped ??= (async () => {
      this.#stopping = true;
      this.#wake.abort();
      await this.#passLoop?.catch(() => undefined);
      if (this.#worker) {
        const closing = this.#worker.close();
        // The grace timer is cancelled once the worker closed: left running, it alone kept the
        // process alive for the whole grace period after a clean stop.
        const grace = new AbortController();
        const forced = sleep(graceMs, undefined, { signal: grace.signal }).then(
          () => this.#worker?.close(true),
          () => undefined,
        );
        await Promise.race([closing, forced]);
        grace.abort();
      }
      await this.#queue.close();
      if (this.#state !== JOB_STATES.done && this.#state !== JOB_STATES.failed) {
        this.#state = JOB_STATES.stopped;
      }
    })();
    return this.#stopped;
  }

  async #runBatch(bullJob: Job<BatchPayload>): Promise<void> {
    const batch = bullJob.data;
    const owner = `${bullJob.id ?? 'batch'}:${randomUUID()}`;
    const { retry, busy } = await processBatch({ ...this.#batchDeps, owner }, batch);
    if (retry.length > 0) {
      const delay = backoffDelay(batch.attempt, RETRY_BACKOFF, Math.random());
      await this.#queue.retry({ ...batch, paths: retry, attempt: batch.attempt + 1 }, delay);
    }
    if (busy.length > 0) await this.#queue.retry({ ...batch, paths: busy }, BUSY_RETRY_MS);
  }

  /**
   * Passes until stopped (or, for one-pass jobs, until one pass completed). A pass that fails
   * (iRODS or Redis unreachable, the source unreadable) is logged and tried again with backoff:
   * the daemon outlives outages of what it depends on.
   */
  async #runPasses(): Promise<void> {
    const { job, logger } = this.#deps;
    for (let failures = 0; !this.#stopping;) {
      let completed: boolean;
      try {
        completed = await this.#runPass();
        failures = 0;
      } catch (error) {
        failures += 1;
        this.#state = JOB_STATES.failed;
        const delay = backoffDelay(failures, RETRY_BACKOFF, Math.random());
        logger.error(
          `job ${job.name}: the pass failed: ${(error as Error).message}; next try in ${Math.round(delay / 1000)} s`,
          { job: job.name },
        );
        await this.#pause(delay);
        continue;
      }
      if (!completed) break;
      if (job.rescan_interval === 0) {
        this.#state = JOB_STATES.done;
        return;
      }
      this.#state = JOB_STATES.idle;
      await this.#pause(job.rescan_interval);
    }
  }

  /** One pass; false when it was cut short by stop(). */
  async #runPass(): Promise<boolean> {
    const { job, logger } = this.#deps;
    this.#state = JOB_STATES.running;
    const pass = await this.#records.startPass();
    logger.info(
      `job ${job.name} pass ${pass} started: ${job.source} → ${job.target} (${job.operation})`,
    );
    // The target exists even for an empty source, as upstream creates it; `none` leaves iRODS
    // untouched.
    if (job.operation !== 'none') await this.#deps.client.collections.ensure(job.target);
    const progress = setInterval(() => void this.#logProgress(pass), PROGRESS_EVERY_MS);
    try {
      await scanAndQueue(this.#passCtx, pass);
    } finally {
      clearInterval(progress);
    }
    if (this.#stopping) return false;
    const record = await this.#records.endPass();
    const durationMs = (record.endedAt ?? Date.now()) - (record.startedAt ?? Date.now());
    logger.info(formatPassSummary(job.name, pass, { ...record.counts, durationMs }), {
      job: job.name,
      pass,
      ...record.counts,
      durationMs,
    });
    return true;
  }

  /** Waits `ms`, or less when the job is stopped. */
  async #pause(ms: number): Promise<void> {
    await sleep(ms, undefined, { signal: this.#wake.signal }).catch(() => undefined);
  }

  async #logProgress(pass: number): Promise<void> {
    try {
      const { counts } = await this.#records.read();
      const queued = await this.#queue.outstanding();
      this.#deps.logger.info(
        `job ${this.name} pass ${pass}: ${counts.seen} seen, ${counts.new} new, ${counts.updated} updated, ${counts.deleted} deleted, ${counts.failed} failed, ${queued} batches queued`,
        { job: this.name, pass, ...counts, queued },
      );
    } catch {
      // Progress is best effort; the pass itself reports failures.
    }
  }
}
