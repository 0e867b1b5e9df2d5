/**
 * What a pass leaves out: exclusion globs for files and directories, excluded types, symbolic
 * links (followed or not), entries it cannot ingest (listed as failed, the daemon going on), and
 * entries excluded after they were ingested (never deleted).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { FailureStore } from '../../../src/state/index.js';
import type { Ingestd } from '../../helpers/ingestd.js';
import { startRedis, type TestRedis } from '../../helpers/redis.js';
import { countsOf, expected, namesIn, objectFacts, useSyncFixture, writeTree } from './fixture.js';

const ROOT = '/tempZone/home/rods/excl';
const KEY_PREFIX = 'exclusions-test';

describe('sync exclusions, symlinks and entries that cannot be ingested', () => {
  const fx = useSyncFixture();
  let redis: TestRedis;
  let daemon: Ingestd;
  let socketServer: Server;

  before(async () => {
    redis = await startRedis();

    const excl = await fx.tempDir('excl-');
    await writeTree(excl, {
      'keep.txt': 'kept',
      'x.tmp': 'temporary',
      'sub/y.tmp': 'temporary too',
      'sub/z.txt': 'zed',
      'cache/c.txt': 'cached',
      'sub/skipdir/s.txt': 'skipped',
    });
    execFileSync('mkfifo', [join(excl, 'pipe')]);
    socketServer = createServer();
    await new Promise<void>((resolve) => socketServer.listen(join(excl, 'sock'), resolve));
    await symlink('keep.txt', join(excl, 'link.txt'));
    await symlink('sub', join(excl, 'linkdir'));

    const outside = await fx.tempDir('excl-outside-');
    await writeTree(outside, { 'real.txt': 'the real content', 'realdir/r.txt': 'in realdir' });
    const follow = await fx.tempDir('excl-follow-');
    await symlink(join(outside, 'real.txt'), join(follow, 'ext.txt'));
    await symlink(join(outside, 'realdir'), join(follow, 'extdir'));

    const fifo = await fx.tempDir('excl-fifo-');
    await writeTree(fifo, { 'ok.txt': 'fine' });
    execFileSync('mkfifo', [join(fifo, 'pipe')]);

    daemon = await fx.daemon({
      redisUrl: redis.url,
      keyPrefix: KEY_PREFIX,
      jobs: [
        {
          name: 'excl',
          source: excl,
          target: `${ROOT}/excl`,
          operation: 'put_sync',
          exclude: ['**/*.tmp', 'cache', '**/skipdir'],
          exclude_types: ['fifo', 'socket'],
          follow_symlinks: false,
        },
        {
          name: 'follow',
          source: follow,
          target: `${ROOT}/follow`,
          operation: 'put_sync',
          follow_symlinks: true,
        },
        {
          name: 'fifo',
          source: fifo,
          target: `${ROOT}/fifo`,
          operation: 'put_sync',
          exclude_types: [],
          rescan_interval: '2s',
        },
      ],
    });
  });
  after(async () => {
    await daemon.stop();
    socketServer.close();
    await redis.stop();
  });

  it('leaves out excluded files, directories, types and unfollowed links, counting them', async () => {
    // x.tmp, sub/y.tmp, cache, sub/skipdir, pipe, sock, link.txt, linkdir
    assert.deepEqual(
      countsOf(await daemon.passDone(1, 'excl')),
      expected({ seen: 3, new: 3, excluded: 8 }),
    );
    assert.deepEqual(await namesIn(fx.client, `${ROOT}/excl`), ['keep.txt', 'sub']);
    assert.deepEqual(await namesIn(fx.client, `${ROOT}/excl/sub`), ['z.txt']);
    assert.equal(await fx.client.collections.stat(`${ROOT}/excl/cache`), undefined);
    assert.equal(await fx.client.collections.stat(`${ROOT}/excl/sub/skipdir`), undefined);
  });

  it('ingests the targets of followed symbolic links', async () => {
    assert.deepEqual(countsOf(await daemon.passDone(1, 'follow')), expected({ seen: 3, new: 3 }));
    const file = await objectFacts(fx.client, `${ROOT}/follow/ext.txt`);
    assert.equal(file?.bytes?.toString(), 'the real content');
    const inDir = await objectFacts(fx.client, `${ROOT}/follow/extdir/r.txt`);
    assert.equal(inDir?.bytes?.toString(), 'in realdir');
  });

  it('lists a fifo that is not excluded as failed with a reason, and keeps running', async () => {
    const expectedCounts = expected({ seen: 2, new: 1, failed: 1 });
    assert.deepEqual(countsOf(await daemon.passDone(1, 'fifo')), expectedCounts);
    assert.deepEqual(
      countsOf(await daemon.passDone(2, 'fifo')),
      { ...expectedCounts, new: 0 },
      'a later pass still runs',
    );
    assert.ok(await fx.client.dataObjects.stat(`${ROOT}/fifo/ok.txt`));
    assert.equal(await fx.client.dataObjects.stat(`${ROOT}/fifo/pipe`), undefined);
    const connection = new Redis({ path: redis.socketPath });
    try {
      const failures = new FailureStore(connection, KEY_PREFIX, 'fifo');
      assert.equal(await failures.count(), 1);
      const failure = await failures.get('pipe');
      assert.match(failure?.message ?? '', /exclude_types/);
    } finally {
      connection.disconnect();
    }
  });

  it('never deletes an object whose file became excluded', async () => {
    const source = await fx.tempDir('excl-later-');
    await writeTree(source, { 'victim.txt': 'must survive', 'gone.txt': 'goes', 'stay.txt': 's' });
    const target = `${ROOT}/later`;
    const daemon = await fx.daemon({
      jobs: [{ name: 'later', source, target, operation: 'put_sync', delete: 'no_trash' }],
    });
    assert.deepEqual(countsOf(await daemon.passDone(1, 'later')), expected({ seen: 3, new: 3 }));
    assert.equal(await daemon.stop(), 0);

    // The operator adds an exclusion; meanwhile another file vanishes.
    const config = await readFile(daemon.configFile, 'utf8');
    await writeFile(
      daemon.configFile,
      config.replace('name = "later"\n', 'name = "later"\nexclude = ["victim.txt"]\n'),
    );
    await rm(join(source, 'gone.txt'));
    await daemon.restart();
    assert.deepEqual(
      countsOf(await daemon.passDone(2, 'later')),
      expected({ seen: 1, excluded: 1, deleted: 1 }),
    );
    assert.deepEqual(await namesIn(fx.client, target), ['stay.txt', 'victim.txt']);
    const victim = await objectFacts(fx.client, `${target}/victim.txt`);
    assert.equal(victim?.bytes?.toString(), 'must survive');
  });
});
