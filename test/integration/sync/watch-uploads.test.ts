/**
 * Issue 20: what the job creates in iRODS is tracked from the moment it exists, and a file's
 * state is written as it finishes, so the watcher alone converges while uploads run.
 *
 * - A new 200 MB file deleted during its first upload leaves no object; renamed during it, it
 *   leaves one object, under the new name. The emulator's write latency holds the upload in
 *   flight while the test deletes or renames the file.
 * - A file deleted while the rest of its batch still uploads is deleted before that batch ends,
 *   and without a rescan: its state was written when it finished, not at the batch's end.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { IrodsError } from '../../../src/irods/index.js';
import type { Ingestd, LogEvent } from '../../helpers/ingestd.js';
import { namesIn, sha2, useSyncFixture } from './fixture.js';
import { eventually } from '../../helpers/eventually.js';

const ROOT = '/tempZone/home/rods/watch-uploads';
const BIG = 200 << 20;

/** Whether the parallel upload is in flight and has written at least once. */
async function uploadInFlight(fx: ReturnType<typeof useSyncFixture>): Promise<void> {
  await eventually('the parallel upload', async () =>
    (await fx.emulator.stats()).open_parallel_write_handles! > 0 ? true : undefined,
  );
  const requests = (await fx.emulator.stats()).requests!;
  await eventually('its first write', async () =>
    (await fx.emulator.stats()).requests! > requests ? true : undefined,
  );
}

/** Passes of `job` that started after log line `from` (a rescan could have done the work). */
const passesSince = (daemon: Ingestd, job: string, from: number) =>
  daemon.logs
    .slice(from)
    .filter((e) => new RegExp(`^job ${job} pass \\d+ started`).test(String(e.message)));

const watchingJob = (job: string) => (e: LogEvent) =>
  e.job === job && String(e.message).includes(': watching ');

describe('uploads the watcher races', () => {
  const fx = useSyncFixture();

  /** The object's stat; `open` while a write holds its only replica (no good replica yet). */
  async function objectAt(path: string) {
    try {
      return await fx.client.dataObjects.stat(path);
    } catch (error) {
      if (error instanceof IrodsError && error.irodsName === 'SYS_NO_GOOD_REPLICA') return 'open';
      throw error;
    }
  }

  describe('a new 200 MB file during its first upload', () => {
    let daemon: Ingestd;
    let source: string;
    const target = `${ROOT}/big`;

    before(async () => {
      source = await fx.tempDir('watch-big-');
      daemon = await fx.daemon({
        workers: 2,
        jobs: [
          {
            name: 'big',
            source,
            target,
            operation: 'put_sync',
            delete: 'no_trash',
            // A checksum on the object says the daemon verified and finished it.
            checksum: 'verify',
            watch: true,
            settle: '500ms',
            rescan_interval: '1h',
          },
        ],
      });
      await daemon.waitFor(watchingJob('big'));
      await daemon.passDone(2, 'big');
    });

    it('deleted, leaves no object', { timeout: 180_000 }, async () => {
      await fx.emulator.setFaults({ latencyMs: 400, ops: ['write'] });
      try {
        await writeFile(join(source, 'deleted.bin'), randomBytes(BIG));
        await uploadInFlight(fx);
        await rm(join(source, 'deleted.bin'));
      } finally {
        await fx.emulator.clearFaults();
      }
      await eventually(
        'no object for the deleted file',
        async () =>
          (await objectAt(`${target}/deleted.bin`)) === undefined &&
          (await fx.emulator.stats()).open_parallel_write_handles === 0
            ? true
            : undefined,
        { timeoutMs: 120_000 },
      );
    });

    it('renamed, leaves one object, under the new name', { timeout: 180_000 }, async () => {
      const bytes = randomBytes(BIG);
      await fx.emulator.setFaults({ latencyMs: 400, ops: ['write'] });
      try {
        await writeFile(join(source, 'first-name.bin'), bytes);
        await uploadInFlight(fx);
        await rename(join(source, 'first-name.bin'), join(source, 'second-name.bin'));
      } finally {
        await fx.emulator.clearFaults();
      }
      const object = await eventually(
        'the object under the new name, whole',
        async () => {
          const stat = await objectAt(`${target}/second-name.bin`);
          return typeof stat === 'object' && stat.size === BIG && stat.checksum !== ''
            ? stat
            : undefined;
        },
        { timeoutMs: 120_000 },
      );
      assert.equal(object.checksum, sha2(bytes));
      await eventually('only the new name', async () =>
        (await namesIn(fx.client, target)).join() === 'second-name.bin' ? true : undefined,
      );
    });
  });

  describe('a file deleted while its batch still runs', () => {
    let daemon: Ingestd;
    let source: string;
    const target = `${ROOT}/batch`;
    const files = 20;

    before(async () => {
      source = await fx.tempDir('watch-batch-');
      await mkdir(join(source, 'staging.tmp'));
      for (let i = 0; i < files; i++) {
        await writeFile(join(source, 'staging.tmp', `f${i}.dat`), randomBytes(4096));
      }
      daemon = await fx.daemon({
        // One batch uploads while another deletes.
        workers: 2,
        jobs: [
          {
            name: 'batch',
            source,
            target,
            operation: 'put_sync',
            delete: 'no_trash',
            exclude: ['**/*.tmp'],
            watch: true,
            settle: '500ms',
            rescan_interval: '1h',
            files_per_task: 50,
          },
        ],
      });
      await daemon.waitFor(watchingJob('batch'));
      await daemon.passDone(2, 'batch');
    });

    it('is deleted before the batch ends, without a rescan', { timeout: 180_000 }, async () => {
      // Each upload takes at least a second: the batch of 20 runs for 20 s or more.
      await fx.emulator.setFaults({ latencyMs: 1_000, ops: ['write'] });
      const uploads = () =>
        daemon.logs.filter((e) => /^upload run\/f\d+\.dat$/.test(String(e.message)));
      let first: string;
      try {
        // One event for the whole run: its files settle together, in one batch.
        await rename(join(source, 'staging.tmp'), join(source, 'run'));
        first = await eventually('the first upload', () =>
          uploads().length > 0 ? String(uploads()[0]!.message).slice('upload '.length) : undefined,
        );
        const removedAt = daemon.logs.length;
        await rm(join(source, first));
        await eventually(
          'its object removed',
          async () => ((await objectAt(`${target}/${first}`)) === undefined ? true : undefined),
          { timeoutMs: 120_000 },
        );
        assert.ok(uploads().length < files, 'removed while the batch still uploads');
        assert.deepEqual(passesSince(daemon, 'batch', removedAt), [], 'no rescan did it');
      } finally {
        await fx.emulator.clearFaults();
      }
      await eventually('the rest uploaded', () => (uploads().length === files ? true : undefined));
      const names = await namesIn(fx.client, `${target}/run`);
      assert.equal(names.length, files - 1);
      assert.ok(!names.includes(first.slice('run/'.length)));
      const kept = join(source, 'run', names[0]!);
      assert.ok(
        (await fx.client.dataObjects.read(`${target}/run/${names[0]!}`)).equals(
          await readFile(kept),
        ),
      );
    });
  });
});
