/**
 * Closing a job's BullMQ worker on stop, within deadlines (its queue: queue/closing.ts). BullMQ's close waits for
 * its Redis commands, and those wait for ever for a Redis that is gone (ioredis queues them for a
 * reconnect); a close that runs late is cut short by disconnecting instead.
 */
import type { Worker } from 'bullmq';
import { SETTLED, settleWithin } from '../core/deadline.js';
import { CLOSE_MS } from '../queue/closing.js';

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
