/**
 * Closing a job's BullMQ worker and queue on stop, within deadlines. BullMQ's close waits for
 * its Redis commands, and those wait for ever for a Redis that is gone (ioredis queues them for a
 * reconnect); a close that runs late is cut short by disconnecting instead.
 */
import type { Worker } from 'bullmq';
import { SETTLED, settleWithin } from '../core/deadline.js';
import type { JobQueue } from '../queue/queue.js';

/** How long closing a connection may take on stop before it is cut or left behind. */
export const CLOSE_MS = 2_000;

/**
 * Lets the worker's running batches finish within `graceMs` (BullMQ's close: it takes no new
 * batch and waits for the running ones), then cuts its connections. False when batches were
 * still running then: they are left behind, to be taken again once their locks lapse.
 */
export async function closeWorker(worker: Worker, graceMs: number): Promise<boolean> {
  const closing = worker.close().catch(() => undefined);
  if ((await settleWithin(closing, graceMs)) === SETTLED.done) return true;
  // close(true) now would only return the close under way, which waits for those batches.
  await settleWithin(worker.disconnect(), CLOSE_MS).catch(() => undefined);
  return false;
}

/** Closes the queue's connection, or cuts it when that does not go through (Redis gone). */
export async function closeQueue(queue: JobQueue): Promise<void> {
  const closing = queue.close().catch(() => undefined);
  if ((await settleWithin(closing, CLOSE_MS)) === SETTLED.done) return;
  await settleWithin(queue.disconnect(), CLOSE_MS).catch(() => undefined);
}
