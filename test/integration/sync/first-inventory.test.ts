/**
 * Issue 19, a fast first inventory: under operation `none` (without an event handler) a pass
 * records what it finds itself, since recording is all a worker would do. The daemons here have
 * no workers at all (`workers = 0`), so whatever reaches the queue stays there and shows.
 */
import assert from 'node:assert/strict';
import { lstat } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { queueName } from '../../../src/queue/queue.js';
import { FileStateStore, queuePrefix } from '../../../src/state/index.js';
import { eventually } from '../../helpers/eventually.js';
import { startRedis, type TestRedis } from '../../helpers/redis.js';
import { useSyncFixture, writeTree } from './fixture.js';

const PREFIX = 'inv';
const FILES = ['a.dat', 'b.dat', 'sub/c.dat', 'sub/d.dat', 'sub/deep/e.dat'];

describe('a first pass with operation none', () => {
  const fx = useSyncFixture();
  let server: TestRedis;
  let redis: Redis;

  before(async () => {
    server = await startRedis();
    redis = new Redis({ path: server.socketPath });
  });
  after(async () => {
    redis.disconnect();
    await server.stop();
  });

  async function source(): Promise<string> {
    const root = await fx.tempDir('inventory-');
    await writeTree(root, Object.fromEntries(FILES.map((rel) => [rel, `bytes of ${rel}`])));
    return root;
  }

  const job = (name: string, root: string) => ({
    name,
    source: root,
    target: `/tempZone/home/rods/${name}`,
    operation: 'none',
    rescan_interval: '0',
  });

  /** The batches waiting in the job's queue, as their paths. */
  async function queued(name: string): Promise<string[]> {
    const queue = new Queue(queueName(name), {
      connection: { path: server.socketPath },
      prefix: queuePrefix(PREFIX),
    });
    try {
      const jobs = await queue.getJobs(['waiting', 'active', 'delayed', 'prioritized']);
      return jobs.flatMap((bullJob) => (bullJob.data as { paths: string[] }).paths);
    } finally {
      await queue.close();
    }
  }

  it('records every entry without a worker, as a worker would', async () => {
    const root = await source();
    const daemon = await fx.daemon({
      jobs: [job('plain', root)],
      workers: 0,
      redisUrl: server.url,
      keyPrefix: PREFIX,
    });
    const summary = await daemon.passDone(1);
    // Five files and the directories sub/ and sub/deep/.
    assert.equal(summary.new, 7, summary.message);
    assert.equal(summary.seen, 7, summary.message);
    assert.deepEqual(await queued('plain'), []);
    const states = new FileStateStore(redis, PREFIX, 'plain');
    const recorded = await states.getMany(FILES.map((rel) => Buffer.from(rel)));
    for (const [i, rel] of FILES.entries()) {
      const info = await lstat(join(root, rel), { bigint: true });
      assert.deepEqual(
        recorded[i],
        {
          type: 'file',
          size: Number(info.size),
          mtimeNs: info.mtimeNs,
          ino: info.ino,
          ctimeNs: info.ctimeNs,
        },
        rel,
      );
    }
    const [dir] = await states.getMany([Buffer.from('sub/deep')]);
    assert.equal(dir?.type, 'dir');
    assert.equal(await fx.client.collections.stat('/tempZone/home/rods/plain'), undefined);
  });

  it('counts every entry it records, however many directories it lists', async () => {
    // Enough directories for the pass's counters to be written while its own state writes are
    // still in flight (they are written every 32 chunks, and each directory is a chunk here).
    const root = await fx.tempDir('inventory-wide-');
    const tree: Record<string, string> = {};
    for (let d = 0; d < 150; d++) {
      for (let f = 0; f < 4; f++) tree[`d${d}/f${f}.dat`] = `${d}/${f}`;
    }
    await writeTree(root, tree);
    const daemon = await fx.daemon({
      jobs: [job('wide', root)],
      workers: 0,
      redisUrl: server.url,
      keyPrefix: PREFIX,
    });
    const summary = await daemon.passDone(1);
    assert.equal(summary.seen, 750, summary.message);
    assert.equal(summary.new, 750, summary.message);
    assert.equal(summary.updated, 0, summary.message);
    await daemon.kill();
  });

  it('leaves a file that a worker holds to the queue, unrecorded', async () => {
    const root = await source();
    // Another daemon's worker is acting on sub/c.dat.
    await redis.set(`${PREFIX}:held:lock:sub/c.dat`, 'other-worker', 'PX', 600_000);
    const daemon = await fx.daemon({
      jobs: [job('held', root)],
      workers: 0,
      redisUrl: server.url,
      keyPrefix: PREFIX,
    });
    const batches = await eventually('the held file queued', async () => {
      const paths = await queued('held');
      return paths.length > 0 && paths;
    });
    assert.deepEqual(batches, ['sub/c.dat']);
    const states = new FileStateStore(redis, PREFIX, 'held');
    const recorded = await states.getMany(FILES.map((rel) => Buffer.from(rel)));
    assert.deepEqual(
      FILES.filter((_, i) => recorded[i] !== undefined),
      FILES.filter((rel) => rel !== 'sub/c.dat'),
    );
    await daemon.kill();
  });
});
