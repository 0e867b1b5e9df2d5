/**
 * Issue 20: the queue window holds whatever is added at once (a watched burst queues hundreds of
 * batches in one flush): what fits goes in, the rest waits for room. A real Redis and BullMQ.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { BATCH_KINDS, type BatchPayload } from '../../../src/queue/payload.js';
import { JobQueue, QUEUE_WINDOW } from '../../../src/queue/queue.js';
import { RedisConnector } from '../../../src/state/connection.js';
import { startRedis, type TestRedis } from '../../helpers/redis.js';

describe('the queue window', () => {
  let server: TestRedis;
  before(async () => {
    server = await startRedis();
  });
  after(async () => {
    await server.stop();
  });

  const batch = (i: number): BatchPayload => ({
    kind: BATCH_KINDS.sync,
    job: 'window',
    pass: 1,
    paths: [`f${i}`],
    attempt: 1,
  });

  it('takes a burst larger than itself in parts, never holding more', async () => {
    const queue = new JobQueue(
      'window',
      new RedisConnector({ url: server.url, key_prefix: 'test' }),
      `test-${randomUUID()}`,
      () => undefined,
    );
    const total = QUEUE_WINDOW * 2 + 50;
    try {
      let most = 0;
      let taken = 0;
      const adding = queue.add(
        Array.from({ length: total }, (_, i) => batch(i)),
        () => false,
      );
      let added = false;
      void adding.then(() => (added = true));
      // A slow worker: whatever is waiting is taken out, a part at a time.
      while (!added || (await queue.outstanding()) > 0) {
        most = Math.max(most, await queue.outstanding());
        const waiting = await queue.queue.getJobs(['waiting'], 0, 49);
        for (const job of waiting) await job.remove();
        taken += waiting.length;
      }
      await adding;
      assert.equal(taken, total, 'every batch went in');
      assert.ok(most <= QUEUE_WINDOW, `at most ${QUEUE_WINDOW} outstanding, saw ${most}`);
    } finally {
      await queue.close();
    }
  });

  it('stops waiting for room once told to, adding no more', async () => {
    const queue = new JobQueue(
      'window',
      new RedisConnector({ url: server.url, key_prefix: 'test' }),
      `test-${randomUUID()}`,
      () => undefined,
    );
    try {
      let stopped = false;
      const adding = queue.add(
        Array.from({ length: QUEUE_WINDOW + 10 }, (_, i) => batch(i)),
        () => stopped,
      );
      while ((await queue.outstanding()) < QUEUE_WINDOW)
        await new Promise((r) => setTimeout(r, 20));
      stopped = true;
      await adding;
      assert.equal(await queue.outstanding(), QUEUE_WINDOW);
    } finally {
      await queue.close();
    }
  });
});
