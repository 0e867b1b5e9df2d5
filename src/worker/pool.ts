/**
 * A job's embedded workers: the BullMQ Worker that takes the job's batches from its queue and
 * runs them (batch.ts), then queues again what is to be tried later: retryable failures with
 * backoff, busy files shortly. Closing lets the running batches finish within a grace period and
 * then cuts the worker's connections (closing.ts): what still runs is left to run again once its
 * locks lapse, and nothing half-done is recorded.
 *
 * While Redis refuses writes (state/redis-refusal.ts: full memory, full disk, a replica) every
 * batch would fail and BullMQ would report each of its own failed calls, a hundred a second: the
 * workers take no batches then, say why once, and go on once a write gets through again.
 */
import { randomUUID } from 'node:crypto';
import { Worker, type Job } from 'bullmq';
import type { WorkersHeld } from '../core/job-status.js';
import { redisRefusal } from '../errors.js';
import { backoffDelay } from '../core/retry.js';
import type { Logger } from '../log.js';
import type { BatchPayload } from '../queue/payload.js';
import { queueName, WORKER_LOCK_OPTIONS, type JobQueue } from '../queue/queue.js';
import {
  queuePrefix,
  releaseBullConnection,
  type BullConnection,
  type RedisConnector,
} from '../state/index.js';
import { processBatch, type BatchDeps } from './batch.js';
import { closeWorker } from './closing.js';

export interface WorkerPoolDeps {
  /** Builds the worker's connection (RedisConnector.bullConnection). */
  readonly connector: RedisConnector;
  /** The prefix of every key (RedisConnector.keyPrefix). */
  readonly keyPrefix: string;
  /** Concurrent batches; 0 = no workers. */
  readonly concurrency: number;
  readonly queue: JobQueue;
  readonly logger: Logger;
  /** What every batch runs with; each run gets an owner of its own. */
  readonly batch: Omit<BatchDeps, 'owner'>;
}

/** Retries of busy files wait this long: the file's current batch is usually done by then. */
const BUSY_RETRY_MS = 2_000;
/** How often workers held by Redis refusing writes try a write again. */
export const REFUSAL_PROBE_MS = 5_000;

export class WorkerPool {
  readonly #deps: WorkerPoolDeps;
  readonly #name: string;
  #worker: Worker<BatchPayload> | undefined;
  /** The connection #worker was given. */
  #connection: BullConnection | undefined;
  #files = 0;
  #batches = 0;
  /** Paused by request (JobRunner.pause), which a write getting through again does not end. */
  #pausedOnRequest = false;
  /** Why Redis refuses writes, while it does; then #probe tries a write every so often. */
  #refusal: WorkersHeld | undefined;
  #probe: NodeJS.Timeout | undefined;
  #probing = false;
  #closing = false;

  constructor(deps: WorkerPoolDeps) {
    this.#deps = deps;
    this.#name = deps.batch.job.name;
  }

  /** Batches the workers run now (for the heartbeat, `irods-ingestctl workers`). */
  get batchesInFlight(): number {
    return this.#batches;
  }

  /** Files in the batches the workers run now. */
  get filesInFlight(): number {
    return this.#files;
  }

  /** Why the workers take no batches while Redis refuses writes, and since when. */
  get held(): WorkersHeld | undefined {
    return this.#refusal;
  }

  /** Workers are wanted but were never started (stopped before the job claimed its state). */
  get unstarted(): boolean {
    return this.#deps.concurrency > 0 && this.#worker === undefined;
  }

  start(): void {
    if (this.#deps.concurrency === 0 || this.#worker !== undefined) return;
    const { connector, keyPrefix, concurrency, logger } = this.#deps;
    this.#connection = connector.bullConnection();
    this.#worker = new Worker<BatchPayload>(
      queueName(this.#name),
      (bullJob) => this.#runBatch(bullJob),
      {
        connection: this.#connection,
        prefix: queuePrefix(keyPrefix),
        concurrency,
        ...WORKER_LOCK_OPTIONS,
      },
    );
    this.#worker.on('failed', (bullJob, error) => {
      if (this.#refused(error)) return;
      logger.warn(`job ${this.#name}: a batch failed and will be tried again: ${error.message}`, {
        batch: bullJob?.id,
      });
    });
    this.#worker.on('error', (error) => {
      if (this.#refused(error)) return;
      logger.error(`job ${this.#name}: queue worker error: ${error.message}`);
    });
  }

  /** No new batches are taken; running ones finish. */
  async pause(): Promise<void> {
    this.#pausedOnRequest = true;
    await this.#worker?.pause();
  }

  resume(): void {
    this.#pausedOnRequest = false;
    if (this.#refusal === undefined) void this.#worker?.resume();
  }

  /**
   * Lets running batches finish within `graceMs`, then cuts the worker's connections. False when
   * batches were still running then: they are left behind, to run again later.
   */
  async close(graceMs: number): Promise<boolean> {
    this.#closing = true;
    clearInterval(this.#probe);
    const finished = this.#worker === undefined || (await closeWorker(this.#worker, graceMs));
    if (this.#connection) releaseBullConnection(this.#connection);
    return finished;
  }

  /** Whether `error` is Redis refusing writes; the first one holds the workers. */
  #refused(error: Error): boolean {
    const refusal = redisRefusal(error);
    if (refusal === undefined) return false;
    if (this.#refusal !== undefined || this.#closing) return true;
    this.#refusal = { reason: refusal, since: new Date().toISOString() };
    this.#deps.logger.error(
      `job ${this.#name}: ${refusal}; the job's workers take no batches until it takes writes again (tried every ${REFUSAL_PROBE_MS / 1000} s)`,
      { job: this.#name },
    );
    // Running batches are not waited for: their writes fail, and they run again later.
    void this.#worker?.pause(true);
    this.#probe = setInterval(() => void this.#probeWrite(), REFUSAL_PROBE_MS);
    return true;
  }

  async #probeWrite(): Promise<void> {
    // A write to an unreachable Redis waits for the connection: one at a time.
    if (this.#probing) return;
    this.#probing = true;
    try {
      await this.#deps.batch.records.probeWrite();
    } catch {
      // Still refused, or Redis unreachable now: the connection's own handling reports that.
      return;
    } finally {
      this.#probing = false;
    }
    if (this.#refusal === undefined || this.#closing) return;
    clearInterval(this.#probe);
    this.#refusal = undefined;
    this.#deps.logger.info(`job ${this.#name}: Redis takes writes again; the workers go on`, {
      job: this.#name,
    });
    if (!this.#pausedOnRequest) void this.#worker?.resume();
  }

  async #runBatch(bullJob: Job<BatchPayload>): Promise<void> {
    const { batch: deps, queue } = this.#deps;
    const batch = bullJob.data;
    const owner = `${bullJob.id ?? 'batch'}:${randomUUID()}`;
    this.#files += batch.paths.length;
    this.#batches += 1;
    let result;
    try {
      result = await processBatch({ ...deps, owner }, batch);
    } finally {
      this.#files -= batch.paths.length;
      this.#batches -= 1;
    }
    const { retry, retryDelays, busy } = result;
    if (retry.length > 0) {
      const { retry_delay: baseMs, retry_max_delay: maxMs } = deps.job;
      const backoff = backoffDelay(batch.attempt, { baseMs, maxMs }, Math.random());
      // Files whose handler chose their delay wait that long; the others back off together.
      const byDelay = new Map<number, string[]>();
      for (const path of retry) {
        const delay = retryDelays?.get(path) ?? backoff;
        byDelay.set(delay, [...(byDelay.get(delay) ?? []), path]);
      }
      for (const [delay, paths] of byDelay) {
        await queue.retry({ ...batch, paths, attempt: batch.attempt + 1 }, delay);
      }
    }
    if (busy.length > 0) await queue.retry({ ...batch, paths: busy }, BUSY_RETRY_MS);
  }
}
