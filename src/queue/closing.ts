/**
 * Closing a job's queue on stop, within a deadline: BullMQ's close waits for its Redis commands,
 * and those wait for ever for a Redis that is gone (ioredis queues them for a reconnect); a close
 * that runs late is cut short by disconnecting instead.
 */
import { SETTLED, settleWithin } from '../core/deadline.js';
import type { JobQueue } from './queue.js';

/** How long closing a connection may take on stop before it is cut or left behind. */
export const CLOSE_MS = 2_000;

/** Closes the queue's connection, or cuts it when that does not go through (Redis gone). */
export async function closeQueue(queue: JobQueue): Promise<void> {
  const closing = queue.close().catch(() => undefined);
  if ((await settleWithin(closing, CLOSE_MS)) === SETTLED.done) return;
  await settleWithin(queue.disconnect(), CLOSE_MS).catch(() => undefined);
}
