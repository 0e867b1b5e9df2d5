/**
 * No lost updates (issue 13): a changed file ends up in iRODS whatever its timestamps say.
 *
 * - A same-size rewrite with the mtime put back (`touch -r`, `cp -p`, `tar x`) changes only the
 *   ctime; the content check finds it, by rescan and by the watcher, for put_sync, put_append
 *   and register with `checksum = "register"` (the catalog's checksum is renewed).
 * - The same during a 64 MiB upload: the stat after the upload differs in its ctime, so the
 *   upload is not recorded and the file is sent again.
 * - A `chmod -R` over a synced tree moves every ctime: no bytes move, and every object ends with
 *   a checksum equal to its file's.
 */
import assert from 'node:assert/strict';
import { chmod, open, readdir, readFile, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { eventually } from '../../helpers/eventually.js';
import type { Ingestd, LogEvent } from '../../helpers/ingestd.js';
import { startRedis, type TestRedis } from '../../helpers/redis.js';
import { bytesOf, countsOf, expected, later, sha2, useSyncFixture, writeTree } from './fixture.js';

const ROOT = '/tempZone/home/rods/lost-updates';
const T1 = 1_600_000_000;

/** The jobs of the rewrite cases: operation and checksum policy. */
const OPERATIONS = {
  put_sync: 'verify',
  put_append: 'verify',
  register: 'register',
} as const;
type Name = keyof typeof OPERATIONS;
const NAMES = Object.keys(OPERATIONS) as Name[];

/** Other bytes of the same length, then the mtime put back: only the ctime tells. */
async function rewriteKeepingTimes(path: string, content: Buffer): Promise<void> {
  const handle = await open(path, 'r+');
  try {
    await handle.write(content, 0, content.length, 0);
  } finally {
    await handle.close();
  }
  await utimes(path, T1, T1);
}

const watching = (job: string) => (e: LogEvent) =>
  e.job === job && typeof e.message === 'string' && e.message.includes(': watching ');

describe('no lost updates', () => {
  const fx = useSyncFixture();

  /** The object's size, checksum and mtime, and (but for registrations) its bytes. */
  async function assertHolds(name: Name, path: string, local: Buffer): Promise<void> {
    const stat = await fx.client.dataObjects.stat(path);
    assert.equal(stat?.size, local.length, `${name}: size`);
    assert.equal(stat?.checksum, sha2(local), `${name}: checksum`);
    assert.equal(stat?.modifiedAt, T1, `${name}: mtime`);
    assert.ok((await fx.client.dataObjects.read(path)).equals(local), `${name}: bytes`);
  }

  describe('a same-size rewrite with the mtime put back', () => {
    const v1 = bytesOf(5_000, 1);
    const v2 = bytesOf(5_000, 2);
    const sources = new Map<string, string>();
    /** Per rescanned job: the summaries of the pass after the change and of the one after it. */
    const rescans = new Map<string, Promise<[LogEvent, LogEvent]>>();
    let watched: Ingestd;

    before(async () => {
      for (const name of NAMES) {
        for (const how of ['rescan', 'watch']) {
          const source = await fx.tempDir(`lost-${how}-${name}-`);
          await writeTree(source, { 'data.bin': v1 }, T1);
          sources.set(`${how}-${name}`, source);
        }
      }
      const jobsFor = (how: string, extra: Record<string, unknown>) =>
        NAMES.map((name) => ({
          name: `${how}-${name}`,
          source: sources.get(`${how}-${name}`)!,
          target: `${ROOT}/${how}-${name}`,
          operation: name,
          checksum: OPERATIONS[name],
          ...extra,
        }));
      const rescanned = await fx.daemon({ jobs: jobsFor('rescan', { rescan_interval: '3s' }) });
      // Each job changes its file right after its first pass, 3 s before its second.
      for (const name of NAMES) {
        const job = `rescan-${name}`;
        const flow = async (): Promise<[LogEvent, LogEvent]> => {
          await rescanned.passDone(1, job);
          await rewriteKeepingTimes(join(sources.get(job)!, 'data.bin'), v2);
          return [await rescanned.passDone(2, job), await rescanned.passDone(3, job)];
        };
        rescans.set(job, later(flow()));
      }
      watched = await fx.daemon({
        jobs: jobsFor('watch', { watch: true, settle: '300ms', rescan_interval: '1h' }),
      });
    });

    for (const name of NAMES) {
      it(`${name}: a rescan finds it by content and syncs it`, async () => {
        const job = `rescan-${name}`;
        const [changed, next] = await rescans.get(job)!;
        assert.deepEqual(countsOf(changed), expected({ seen: 1, updated: 1 }));
        assert.equal(changed.bytes, name === 'register' ? 0 : v2.length);
        await assertHolds(name, `${ROOT}/${job}/data.bin`, v2);
        // Nothing left over: the pass after it finds the file in sync.
        assert.deepEqual(countsOf(next), expected({ seen: 1 }));
      });
    }

    for (const name of NAMES) {
      it(`${name}: the watcher finds it by content and syncs it`, async () => {
        const job = `watch-${name}`;
        await watched.passDone(1, job);
        await watched.waitFor(watching(job));
        await watched.passDone(2, job);
        await rewriteKeepingTimes(join(sources.get(job)!, 'data.bin'), v2);
        const path = `${ROOT}/${job}/data.bin`;
        await eventually(`${job} in iRODS`, async () =>
          (await fx.client.dataObjects.stat(path))?.checksum === sha2(v2) ? true : undefined,
        );
        await assertHolds(name, path, v2);
        assert.equal(
          watched.logs.some((e) => e.job === job && e.pass === 3),
          false,
          'no rescan: the watcher did it',
        );
      });
    }
  });

  describe('a rewrite with the mtime put back during a 64 MiB upload', () => {
    let daemon: Ingestd;
    let source: string;

    before(async () => {
      source = await fx.tempDir('lost-large-');
      await writeTree(source, { 'large.bin': bytesOf(64 << 20, 3) }, T1);
      // Slow writes keep the upload in flight while the first MiB is rewritten.
      await fx.emulator.setFaults({ latencyMs: 300, ops: ['write'] });
      daemon = await fx.daemon({
        jobs: [
          {
            name: 'large',
            source,
            target: `${ROOT}/large`,
            operation: 'put_sync',
            checksum: 'verify',
          },
        ],
      });
    });

    it('is not recorded as synced; the file is sent again and lands whole', async () => {
      try {
        // Once the first write arrived, its chunk (the first bytes) has been read already.
        await eventually('the parallel upload', async () =>
          (await fx.emulator.stats()).open_parallel_write_handles! > 0 ? true : undefined,
        );
        const requests = (await fx.emulator.stats()).requests!;
        await eventually('its first write', async () =>
          (await fx.emulator.stats()).requests! > requests ? true : undefined,
        );
        await rewriteKeepingTimes(join(source, 'large.bin'), bytesOf(1 << 20, 4));
      } finally {
        await fx.emulator.clearFaults();
      }
      const summary = await daemon.passDone(1, 'large', 120_000);
      assert.deepEqual(countsOf(summary), expected({ seen: 1, new: 1 }));
      const local = await readFile(join(source, 'large.bin'));
      const stat = await fx.client.dataObjects.stat(`${ROOT}/large/large.bin`);
      assert.equal(stat?.size, local.length);
      assert.equal(stat?.checksum, sha2(local));
      assert.ok(
        daemon.logs.some((e) => /^will retry large\.bin .*status change time/.test(e.message)),
        'the first upload was not recorded',
      );
    });
  });

  describe('a recheck mark left by a run that lost its lock', () => {
    let passes: Promise<[LogEvent, LogEvent]>;
    let source: string;
    let redis: TestRedis;
    const target = `${ROOT}/marked`;

    before(async () => {
      source = await fx.tempDir('lost-marked-');
      await writeTree(source, { 'a.txt': 'the file', 'later.tmp': 'excluded by now' }, T1);
      redis = await startRedis();
      const daemon = await fx.daemon({
        redisUrl: redis.url,
        jobs: [
          {
            name: 'marked',
            source,
            target,
            operation: 'put_sync',
            exclude: ['**/*.tmp'],
            rescan_interval: '3s',
          },
        ],
      });
      const flow = async (): Promise<[LogEvent, LogEvent]> => {
        const first = await daemon.passDone(1, 'marked');
        // What a run that lost its lock leaves: its stale bytes in iRODS, and a mark.
        const stale = join(await fx.tempDir('lost-stale-'), 'a.txt');
        await writeFile(stale, 'stale bytes');
        await fx.client.upload(stale, `${target}/a.txt`);
        const client = new Redis({ path: redis.socketPath });
        await client.hset('ingest-test:marked:recheck', 'a.txt', 'run-x', 'later.tmp', 'run-y');
        client.disconnect();
        return [first, await daemon.passDone(2, 'marked')];
      };
      passes = later(flow());
    });
    after(async () => {
      await passes.catch(() => undefined);
      await redis.stop();
    });

    it('is checked by the next pass, whatever its recorded state says', async () => {
      const [first, second] = await passes;
      assert.deepEqual(countsOf(first), expected({ seen: 1, new: 1, excluded: 1 }));
      assert.deepEqual(countsOf(second), expected({ seen: 1, updated: 1, excluded: 1 }));
      assert.equal((await fx.client.dataObjects.read(`${target}/a.txt`)).toString(), 'the file');
      const client = new Redis({ path: redis.socketPath });
      try {
        // The excluded path is left alone, mark and all.
        assert.deepEqual(await client.hkeys('ingest-test:marked:recheck'), ['later.tmp']);
      } finally {
        client.disconnect();
      }
      assert.equal(await fx.client.dataObjects.stat(`${target}/later.tmp`), undefined);
    });
  });

  describe('chmod -R over a synced tree', () => {
    const files: Record<string, Buffer> = {};
    for (let d = 0; d < 3; d++) {
      for (let f = 0; f < 10; f++) files[`d${d}/f${f}.dat`] = bytesOf(100 + 37 * f, d * 10 + f);
    }
    let source: string;
    let passes: Promise<[LogEvent, LogEvent]>;

    before(async () => {
      source = await fx.tempDir('lost-chmod-');
      await writeTree(source, files, T1);
      const daemon = await fx.daemon({
        jobs: [
          {
            name: 'chmod',
            source,
            target: `${ROOT}/chmod`,
            operation: 'put_sync',
            rescan_interval: '3s',
          },
        ],
      });
      const flow = async (): Promise<[LogEvent, LogEvent]> => {
        const first = await daemon.passDone(1, 'chmod');
        for (const dir of await readdir(source)) {
          await chmod(join(source, dir), 0o750);
          for (const name of await readdir(join(source, dir))) {
            await chmod(join(source, dir, name), 0o640);
          }
        }
        return [first, await daemon.passDone(2, 'chmod')];
      };
      passes = later(flow());
    });

    it('sends no bytes, and every object ends with its file checksum', async () => {
      const [first, after] = await passes;
      assert.deepEqual(countsOf(after), expected({ seen: Number(first.seen) }));
      assert.equal(after.bytes, 0);
      for (const [rel, content] of Object.entries(files)) {
        const stat = await fx.client.dataObjects.stat(`${ROOT}/chmod/${rel}`);
        assert.equal(stat?.checksum, sha2(content), rel);
        assert.equal(stat?.modifiedAt, T1, rel);
      }
    });
  });
});
