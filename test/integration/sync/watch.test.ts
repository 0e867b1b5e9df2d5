/**
 * Watching (issue 4): with rescans an hour apart, changes reach iRODS through the watcher alone;
 * renames become iRODS renames; a file written slowly is ingested once, whole; and a burst of
 * files created while the daemon's event loop is frozen (so the kernel drops events) still ends
 * up in iRODS, every file once, because the stall makes the job rescan.
 */
import assert from 'node:assert/strict';
import { appendFile, chmod, mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { before, describe, it } from 'node:test';
import { eventually } from '../../helpers/eventually.js';
import type { Ingestd, LogEvent } from '../../helpers/ingestd.js';
import { startRedis } from '../../helpers/redis.js';
import { namesIn, objectFacts, sha2, useSyncFixture, writeTree } from './fixture.js';

const ROOT = '/tempZone/home/rods/watch';
const T1 = 1_600_000_000;

const bytesAt = async (fx: ReturnType<typeof useSyncFixture>, path: string) =>
  (await objectFacts(fx.client, path))?.bytes?.toString();

const watching = (job: string) => (e: LogEvent) =>
  e.job === job && typeof e.message === 'string' && e.message.includes(': watching ');

describe('watched jobs', () => {
  const fx = useSyncFixture();

  describe('create, modify, append, rename, delete without a rescan', () => {
    let daemon: Ingestd;
    let source: string;
    const target = `${ROOT}/live`;
    const at = (rel: string) => `${target}/${rel}`;

    before(async () => {
      source = await fx.tempDir('watch-live-');
      await writeTree(
        source,
        {
          'keep.txt': 'kept',
          'change.txt': 'before',
          'grow.txt': 'head-',
          'move-me.txt': 'moving bytes',
          'gone.txt': 'to be deleted',
          'olddir/a.txt': 'a in dir',
          'olddir/sub/b.txt': 'b in sub',
          'mode.txt': 'mode only',
          ...Object.fromEntries(
            Array.from({ length: 300 }, (_, i) => [`bulk/sub/f${i}.txt`, `bulk ${i}`]),
          ),
        },
        T1,
      );
      daemon = await fx.daemon({
        jobs: [
          {
            name: 'live',
            source,
            target,
            operation: 'put_sync',
            delete: 'no_trash',
            // bulk/ is most of the tree; max_delete (tested in max-delete.test.ts) would hold it.
            max_delete: '100%',
            watch: true,
            settle: '300ms',
            rescan_interval: '1h',
          },
        ],
      });
      await daemon.passDone(1, 'live');
      await daemon.waitFor(watching('live'));
      // The first ever run rescans once after the watcher is up (what changed in between).
      await daemon.passDone(2, 'live');
    });

    it('uploads a created file', async () => {
      await writeFile(join(source, 'new.txt'), 'fresh');
      assert.equal(await eventually('new.txt', () => bytesAt(fx, at('new.txt'))), 'fresh');
    });

    it('uploads a rewritten file again', async () => {
      await writeFile(join(source, 'change.txt'), 'after the change');
      await eventually('change.txt rewritten', async () =>
        (await bytesAt(fx, at('change.txt'))) === 'after the change' ? true : undefined,
      );
    });

    it('brings an appended file up to date', async () => {
      await appendFile(join(source, 'grow.txt'), 'tail');
      await eventually('grow.txt appended', async () =>
        (await bytesAt(fx, at('grow.txt'))) === 'head-tail' ? true : undefined,
      );
    });

    it('renames a renamed file in iRODS instead of uploading it again', async () => {
      await rename(join(source, 'move-me.txt'), join(source, 'moved.txt'));
      assert.equal(
        await eventually('moved.txt', () => bytesAt(fx, at('moved.txt'))),
        'moving bytes',
      );
      await daemon.waitFor((e) => e.message === 'job live: renamed move-me.txt to moved.txt');
      assert.equal(await fx.client.dataObjects.stat(at('move-me.txt')), undefined);
    });

    it('renames a renamed directory as one collection', async () => {
      await rename(join(source, 'olddir'), join(source, 'newdir'));
      await daemon.waitFor((e) => e.message === 'job live: renamed olddir to newdir');
      assert.equal(await bytesAt(fx, at('newdir/a.txt')), 'a in dir');
      assert.equal(await bytesAt(fx, at('newdir/sub/b.txt')), 'b in sub');
      assert.equal(await fx.client.collections.stat(at('olddir')), undefined);
      // Files arriving under the renamed directory find their state moved: nothing re-uploaded.
      await sleep(1_000);
      const uploads = daemon.logs.filter((e) => /^upload newdir\//.test(e.message));
      assert.deepEqual(uploads, []);
    });

    it('deletes a deleted file per the delete mode', async () => {
      await rm(join(source, 'gone.txt'));
      await eventually('gone.txt removed', async () =>
        (await fx.client.dataObjects.stat(at('gone.txt'))) === undefined ? true : undefined,
      );
    });

    it('deletes a removed directory once, as a whole, not file by file', async () => {
      await rm(join(source, 'bulk'), { recursive: true });
      // The worker logs the delete just after iRODS confirmed it.
      await daemon.waitFor((e) => e.message === 'deleted bulk (no_trash)', 30_000);
      assert.equal(await fx.client.collections.stat(at('bulk')), undefined);
      const deletes = daemon.logs
        .map((e) => e.message)
        .filter((message) => message.startsWith('deleted bulk'));
      assert.deepEqual(deletes, ['deleted bulk (no_trash)']);
    });

    it('moves no data for a chmod, and never rescanned', async () => {
      const before = await objectFacts(fx.client, at('mode.txt'));
      await chmod(join(source, 'mode.txt'), 0o600);
      // A ctime-only change is checked by content: iRODS computes the checksum it lacked.
      const after = await eventually('mode.txt checked', async () => {
        const facts = await objectFacts(fx.client, at('mode.txt'));
        return facts?.checksum === '' ? undefined : facts;
      });
      assert.deepEqual(after, { ...before, checksum: sha2('mode only') });
      const uploads = daemon.logs.filter((e) => e.message === 'upload mode.txt');
      assert.equal(uploads.length, 1, 'uploaded by the first pass only');
      assert.equal(await fx.client.dataObjects.stat(at('keep.txt')).then((s) => s?.size), 4);
      assert.equal(
        daemon.logs.some((e) => e.job === 'live' && e.pass === 3),
        false,
        'no third pass: the watcher did all of it',
      );
    });
  });

  describe('a slow writer', () => {
    let daemon: Ingestd;
    let source: string;
    const target = `${ROOT}/slow`;

    before(async () => {
      source = await fx.tempDir('watch-slow-');
      await mkdir(source, { recursive: true });
      daemon = await fx.daemon({
        jobs: [
          {
            name: 'slow',
            source,
            target,
            operation: 'put_sync',
            watch: true,
            settle: '1s',
            rescan_interval: '1h',
          },
        ],
      });
      await daemon.passDone(2, 'slow');
    });

    it('is ingested once, whole, when its chunks come closer together than settle', async () => {
      const path = join(source, 'chunks.bin');
      await writeFile(path, '');
      for (let i = 0; i < 6; i++) {
        await appendFile(path, `chunk ${i};`);
        await sleep(200);
      }
      const whole = Array.from({ length: 6 }, (_, i) => `chunk ${i};`).join('');
      assert.equal(
        await eventually('chunks.bin', () => bytesAt(fx, `${target}/chunks.bin`)),
        whole,
      );
      await sleep(1_500);
      const actions = daemon.logs.filter((e) => e.message === 'upload chunks.bin');
      assert.equal(actions.length, 1, 'one upload, of the finished file');
    });

    it('is synced again when it changes after a pause longer than settle', async () => {
      const path = join(source, 'paused.bin');
      await writeFile(path, 'first half;');
      await eventually('first half', async () =>
        (await bytesAt(fx, `${target}/paused.bin`)) === 'first half;' ? true : undefined,
      );
      await appendFile(path, 'second half');
      await eventually('both halves', async () =>
        (await bytesAt(fx, `${target}/paused.bin`)) === 'first half;second half' ? true : undefined,
      );
    });
  });

  describe('after a Redis restart', () => {
    it('rescans, and keeps watching', async () => {
      const redis = await startRedis({ persistence: true });
      try {
        const source = await fx.tempDir('watch-redis-');
        await writeTree(source, { 'first.txt': 'first' }, T1);
        const target = `${ROOT}/redis`;
        const daemon = await fx.daemon({
          redisUrl: redis.url,
          jobs: [
            {
              name: 'redis',
              source,
              target,
              operation: 'put_sync',
              watch: true,
              settle: '200ms',
              rescan_interval: '1h',
            },
          ],
        });
        await daemon.passDone(2, 'redis');
        await redis.restart();
        await daemon.waitFor((e) => e.message === 'job redis: rescan requested: Redis reconnected');
        await daemon.passDone(3, 'redis');
        await writeFile(join(source, 'after.txt'), 'after the restart');
        assert.equal(
          await eventually('after.txt', () => bytesAt(fx, `${target}/after.txt`)),
          'after the restart',
        );
        await daemon.stop();
      } finally {
        await redis.stop();
      }
    });
  });

  describe('a burst while the event loop is frozen', () => {
    it('lands every file once: the stall makes the job rescan', { timeout: 240_000 }, async () => {
      const source = await fx.tempDir('watch-burst-');
      const target = `${ROOT}/burst`;
      const daemon = await fx.daemon({
        workers: 8,
        jobs: [
          {
            name: 'burst',
            source,
            target,
            operation: 'put',
            watch: true,
            settle: '200ms',
            rescan_interval: '1h',
            files_per_task: 200,
          },
        ],
      });
      await daemon.passDone(2, 'burst');
      const files = 20_000;
      const pid = daemon.pid!;
      process.kill(pid, 'SIGSTOP');
      try {
        for (let d = 0; d < 20; d++) {
          const dir = join(source, `d${d}`);
          await mkdir(dir);
          for (let f = 0; f < files / 20; f++) await writeFile(join(dir, `f${f}`), `${d}/${f}`);
        }
        // Frozen well past the stall threshold, as a daemon stuck in a long GC or swap would be.
        await sleep(6_000);
      } finally {
        process.kill(pid, 'SIGCONT');
      }
      await daemon.waitFor((e) => /rescan requested: the event loop stalled/.test(e.message));
      await daemon.passDone(3, 'burst', 180_000);
      await eventually(
        'every file in iRODS',
        async () => {
          let total = 0;
          for (let d = 0; d < 20; d++)
            total += (await namesIn(fx.client, `${target}/d${d}`)).length;
          return total === files ? true : undefined;
        },
        { timeoutMs: 120_000 },
      );
      const uploads = new Map<string, number>();
      for (const e of daemon.logs) {
        const m = /^upload (d\d+\/f\d+)$/.exec(e.message);
        if (m) uploads.set(m[1]!, (uploads.get(m[1]!) ?? 0) + 1);
      }
      assert.equal(uploads.size, files);
      assert.deepEqual(
        [...uploads].filter(([, n]) => n > 1),
        [],
        'no file uploaded twice',
      );
      assert.equal(await bytesAt(fx, `${target}/d7/f123`), '7/123');
    });
  });
});
