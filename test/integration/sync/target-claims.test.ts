/**
 * Issue 11: targets of two jobs may not be equal or nested on any daemons sharing one Redis. A
 * job claims its target while it runs; another daemon's job whose target overlaps is refused
 * (configured: its passes; ad hoc: `start`), naming the other job. A claim lapses within a
 * minute once its daemon is gone, even after `kill -9`, so it never blocks for good.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Ingestd } from '../../helpers/ingestd.js';
import { startRedis, type TestRedis } from '../../helpers/redis.js';
import { namesIn, useSyncFixture, writeTree } from './fixture.js';
import { eventually } from '../../helpers/eventually.js';
import { ctl, jobStatus, refusal } from './safety.js';

const ROOT = '/tempZone/home/rods/claims';

describe('target claims among daemons sharing a Redis', () => {
  const fx = useSyncFixture();
  let redis: TestRedis;
  let first: Ingestd;
  let second: Ingestd;
  let source: string;

  before(async () => {
    redis = await startRedis();
    source = await fx.tempDir('claims-');
    await writeTree(source, { 'a.txt': 'a', 'sub/b.txt': 'b' });
    const shared = { redisUrl: redis.url, keyPrefix: 'claims' };
    first = await fx.daemon({
      ...shared,
      jobs: [{ name: 'outer', source, target: ROOT, operation: 'put_sync', rescan_interval: '1h' }],
    });
    await first.passDone(1, 'outer');
    second = await fx.daemon({
      ...shared,
      daemon: { adhoc_sources: [source], adhoc_targets: ['/tempZone/home/rods'] },
      jobs: [
        {
          name: 'inner',
          source,
          target: `${ROOT}/inner`,
          operation: 'put_sync',
          rescan_interval: '1s',
        },
      ],
    });
  });

  after(async () => {
    await first.kill();
    await second.kill();
    await redis.stop();
  });

  it("refuses a job whose target nests another daemon's job, and its ad-hoc start", async () => {
    await second.waitFor(refusal('inner'));
    const status = await jobStatus(second, 'inner');
    assert.match(status.refused?.reason ?? '', /overlaps the target .* of job "outer"/);
    assert.equal(await fx.client.collections.stat(`${ROOT}/inner`), undefined, 'nothing synced');
    const started = await ctl(
      second,
      'start',
      '--name',
      'adhoc',
      '--source',
      source,
      '--target',
      `${ROOT}/adhoc`,
    );
    assert.equal(started.code, 1, started.stdout);
    assert.match(started.stderr, /of job "adhoc" overlaps the target .* of job "outer"/);
  });

  it('lets the job run once the other daemon is gone, even killed with -9', async () => {
    await first.kill();
    await second.passDone(1, 'inner', 120_000);
    assert.deepEqual(await namesIn(fx.client, `${ROOT}/inner`), ['a.txt', 'sub']);
    await eventually('the refusal gone', async () =>
      (await jobStatus(second, 'inner')).refused === undefined ? true : undefined,
    );
  });
});
