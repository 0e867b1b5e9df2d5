/**
 * The BullMQ side of an ingest job: one queue per job (so a job can be paused, drained and
 * counted on its own), fed through a bounded window so that Redis never holds the whole tree,
 * whatever its size.
 *
 * Delivery is at least once: a batch whose worker died is taken again by another once BullMQ's
 * stall check sees its lock expire. Every action is idempotent against iRODS and the per-file
 * state is written only after iRODS confirmed it, so running a batch twice does no harm.
 */
import { Queue, type JobsOptions, type WorkerOptions } from 'bullmq';
import { setTimeout as sleep } from 'node:timers/promises';
import { releaseBullConnection, type BullConnection, type RedisConnector } from '../state/index.js';
import type { BatchPayload } from './payload.js';

/** Batches waiting, delayed or running at most, per job, before the scanner waits. */
export const QUEUE_WINDOW = 200;
const POLL_MS = 50;

export const BATCH_JOB_OPTIONS: JobsOptions = {
  // Per-file failures are handled inside a batch; a batch fails whole only when something
  // around it broke (Redis connection lost mid-batch, a bug), and is then tried again.
  attempts: 5,
  backoff: { type: 'exponential', delay: 1_000, jitter: 0.5 },
  removeOnComplete: true,
  removeOnFail: 1_000,
};

/**
 * How the workers hold their batches, and how fast a dead worker's batches go back to the queue.
 * A running batch's lock is renewed every 15 s for 30 s, so a killed worker's locks lapse 15-30 s
 * after the kill. Some live worker of the queue runs the stall check every 10 s: it returns to the
 * queue the batches that the check before saw running and that now have no lock. A worker killed
 * with -9 thus has its batches taken again by the others within about 30 s + 10 s = 40 s (measured:
 * 30 s, with a worker started at the moment of the kill).
 *
 * A batch may stall this often before BullMQ fails it for good ("stalled more than allowable
 * limit"); above its default of 1, so that a worker killed twice during the same batch (a
 * host's restarts, a soak) does not drop the batch's files until the next rescan.
 */
export const WORKER_LOCK_OPTIONS = {
  lockDuration: 30_000,
  stalledInterval: 10_000,
  maxStalledCount: 5,
} as const satisfies Partial<WorkerOptions>;

export function queueName(job: string): string {
  return `sync.${job}`;
}

export class JobQueue {
  readonly queue: Queue<BatchPayload>;
  readonly #connection: BullConnection;

  /** `onError` hears connection errors (Redis restarting), which BullMQ retries by itself. */
  constructor(
    job: string,
    connector: RedisConnector,
    prefix: string,
    onError: (error: Error) => void,
  ) {
    this.#connection = connector.bullConnection();
    this.queue = new Queue<BatchPayload>(queueName(job), {
      connection: this.#connection,
      prefix,
      defaultJobOptions: BATCH_JOB_OPTIONS,
    });
    this.queue.on('error', onError);
  }

  /** Batches not yet finished: waiting, delayed (retries), prioritized and running. */
  async outstanding(): Promise<number> {
    const counts = await this.queue.getJobCounts('waiting', 'delayed', 'active', 'prioritized');
    return Object.values(counts).reduce((sum, n) => sum + n, 0);
  }

  /**
   * Adds batches as the window has room for them: as many as fit at once, the rest after waiting
   * for more room, so the window holds whatever the number added (a watched burst, a pass over a
   * huge directory). `stopped` ends the waits early; what was not added then is dropped (the
   * next pass finds it again).
   */
  async add(batches: readonly BatchPayload[], stopped: () => boolean): Promise<void> {
    for (let next = 0; next < batches.length && !stopped();) {
      const room = QUEUE_WINDOW - (await this.outstanding());
      if (room <= 0) {
        await sleep(POLL_MS);
        continue;
      }
      const slice = batches.slice(next, next + room);
      await this.queue.addBulk(slice.map((data) => ({ name: data.kind, data })));
      next += slice.length;
    }
  }

  /** A retry of some paths of a batch, after `delayMs`. */
  async retry(batch: BatchPayload, delayMs: number): Promise<void> {
    await this.queue.add(batch.kind, batch, { delay: delayMs });
  }

  /** Resolves once nothing of this job is left in the queue (or `stopped` says so). */
  async drained(stopped: () => boolean): Promise<void> {
    while (!stopped() && (await this.outstanding()) > 0) await sleep(POLL_MS * 4);
  }

  async close(): Promise<void> {
    try {
      await this.queue.close();
    } finally {
      releaseBullConnection(this.#connection);
    }
  }

  /** Cuts the queue's connections at once (a close that did not go through: Redis gone). */
  async disconnect(): Promise<void> {
    try {
      await this.queue.disconnect();
    } finally {
      releaseBullConnection(this.#connection);
    }
  }
}
