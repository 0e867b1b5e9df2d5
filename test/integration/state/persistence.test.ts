import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'node:test';
import { FailureStore, FileStateStore, JobRecords } from '../../../src/state/index.js';
import { startRedis } from '../../helpers/redis.js';
import { bytes, connect } from './setup.js';

describe('state across a Redis restart', () => {
  it('keeps recorded states, failures and pass counters with AOF on', async () => {
    const server = await startRedis({ persistence: true });
    const { redis, prefix } = connect(server);
    try {
      const store = new FileStateStore(redis, prefix, 'job');
      const state = { type: 'file', size: 7, mtimeNs: 2n ** 62n, ino: 99n } as const;
      const wide = Array.from({ length: 300 }, (_, i) => ({
        relPath: bytes(`wide/f${i}`),
        state,
      }));
      await store.record([{ relPath: bytes('x/y'), state }, ...wide]);
      await new FailureStore(redis, prefix, 'job').record({
        relPath: 'x/z',
        operation: 'upload',
        message: 'refused',
        attempts: 3,
        at: 1,
      });
      const records = new JobRecords(redis, prefix, 'job');
      await records.startPass(10);
      await records.incrementBy({ seen: 302 });
      // appendfsync everysec: writes reach the disk within about a second.
      await sleep(1500);
      await server.restart();

      // The script cache is gone after the restart: the store must load its scripts again.
      assert.deepEqual(await store.getMany([bytes('x/y'), bytes('wide/f299')]), [state, state]);
      assert.equal((await store.recordedChildren(bytes('wide'))).size, 300);
      assert.equal(await store.trackedCount(), 303);
      assert.equal(await new FailureStore(redis, prefix, 'job').count(), 1);
      assert.equal((await records.read()).counts.seen, 302);
    } finally {
      redis.disconnect();
      await server.stop();
    }
  });
});
