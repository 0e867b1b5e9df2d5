/**
 * Issue 11, defect 5: a delete is decided when a pass lists a directory, and carried out later by
 * a worker. What is back on disk by then is not deleted but synced. To hold the delete back until
 * the path is back, the test holds the entry's per-file lock in Redis (as another worker running
 * it would): the delete batch finds it busy and runs again once the lock is released.
 */
import assert from 'node:assert/strict';
import { rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Redis } from 'ioredis';
import { RedisConnector } from '../../../src/state/index.js';
import type { Ingestd } from '../../helpers/ingestd.js';
import { startRedis, type TestRedis } from '../../helpers/redis.js';
import { namesIn, useSyncFixture, writeTree } from './fixture.js';
import { eventually } from '../../helpers/eventually.js';
import { ctl, jobStatus } from './safety.js';

const ROOT = '/tempZone/home/rods/recheck';
const PREFIX = 'recheck';
const T1 = 1_600_000_000;

describe('a delete whose path is back when it runs', () => {
  const fx = useSyncFixture();
  let redisServer: TestRedis;
  let redis: Redis;
  let daemon: Ingestd;
  let source: string;
  const target = `${ROOT}/job`;

  before(async () => {
    redisServer = await startRedis();
    redis = new RedisConnector({ url: redisServer.url, key_prefix: PREFIX }).client() as Redis;
    await redis.connect();
    source = await fx.tempDir('recheck-');
    await writeTree(source, { 'dir/a.txt': 'a', 'dir/b.txt': 'b', 'file.txt': 'file' }, T1);
    daemon = await fx.daemon({
      redisUrl: redisServer.url,
      keyPrefix: PREFIX,
      jobs: [
        {
          name: 'job',
          source,
          target,
          operation: 'put_sync',
          delete: 'no_trash',
          rescan_interval: '1h',
        },
      ],
    });
    await daemon.passDone(1, 'job');
  });

  after(async () => {
    await daemon.kill();
    redis.disconnect();
    await redisServer.stop();
  });

  it('is not carried out, and what changed while it was away is synced', async () => {
    const lock = `${PREFIX}:job:lock:dir`;
    assert.equal(await redis.set(lock, 'the test', 'PX', 120_000, 'NX'), 'OK');
    const away = join(await fx.tempDir('recheck-away-'), 'dir');
    await rename(join(source, 'dir'), away);
    assert.equal((await ctl(daemon, 'rescan', 'job')).code, 0);
    // The pass decided the delete: it is queued (and finds the entry busy).
    await eventually('the delete decided', async () => {
      const status = await jobStatus(daemon, 'job');
      const progress = (status as unknown as { progress?: { filesKnown: number } }).progress;
      return status.pass === 2 && (progress?.filesKnown ?? 0) >= 1 ? true : undefined;
    });
    await writeFile(join(away, 'c.txt'), 'written while away');
    await rename(away, join(source, 'dir'));
    await redis.del(lock);

    await eventually('dir/c.txt synced', async () =>
      (await fx.client.dataObjects.stat(`${target}/dir/c.txt`)) === undefined ? undefined : true,
    );
    assert.deepEqual(await namesIn(fx.client, `${target}/dir`), ['a.txt', 'b.txt', 'c.txt']);
    assert.equal((await fx.client.dataObjects.read(`${target}/dir/a.txt`)).toString(), 'a');
    const summary = await daemon.passDone(2, 'job');
    assert.equal(summary.deleted, 0, 'nothing was deleted');
  });
});
