/**
 * Issue 11, defect 2: a new directory that got the inode of a directory deleted a moment ago is
 * not a rename of it. The watcher sees `run1` vanish and `run2` appear with run1's inode; only
 * run1's recorded children found in run2 (same names, inodes, sizes and mtimes) would prove a
 * rename. Without that proof run1 is deleted per the job's delete mode and run2 is created, so
 * nothing of either directory is lost.
 */
import assert from 'node:assert/strict';
import { mkdir, rename, rm, rmdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import type { Ingestd } from '../../helpers/ingestd.js';
import { bytesOf, namesIn, useSyncFixture, writeTree } from './fixture.js';
import { eventually } from '../../helpers/eventually.js';

const ROOT = '/tempZone/home/rods/reused';
const TRASH = '/tempZone/trash/home/rods/reused';
const T1 = 1_600_000_000;
const RUN1 = bytesOf(3000, 1);
const RUN2 = bytesOf(3000, 2);

/**
 * Makes directories in `scratch` (on the source's file system) until one gets inode `ino`;
 * returns it, or undefined when none did.
 */
async function directoryWithInode(scratch: string, ino: number): Promise<string | undefined> {
  const made: string[] = [];
  try {
    for (let i = 0; i < 3_000; i++) {
      const dir = join(scratch, `d${i}`);
      await mkdir(dir);
      if ((await stat(dir)).ino === ino) return dir;
      made.push(dir);
    }
    return undefined;
  } finally {
    for (const dir of made) await rmdir(dir);
  }
}

describe('a directory that reuses a deleted directory inode', () => {
  const fx = useSyncFixture();
  let daemon: Ingestd;
  const bases: Record<string, string> = {};
  const modes = ['keep', 'trash'] as const;
  const source = (mode: string) => join(bases[mode]!, 'src');

  before(async () => {
    for (const mode of modes) {
      // The source and the scratch directory are siblings, so that ext4 places the directories
      // made in either in the same block group, where the freed inode is.
      bases[mode] = await fx.tempDir(`reused-${mode}-`);
      await mkdir(join(bases[mode], 'src'));
      await mkdir(join(bases[mode], 'scratch'));
    }
    daemon = await fx.daemon({
      jobs: modes.map((mode) => ({
        name: mode,
        source: source(mode),
        target: `${ROOT}/${mode}`,
        operation: 'put_sync',
        delete: mode,
        watch: true,
        settle: '300ms',
        rescan_interval: '1h',
      })),
    });
    // The first run watches after its first pass and catches up with a second one.
    for (const mode of modes) await daemon.passDone(2, mode);
  });

  /**
   * Syncs `<name>1` with two files, deletes it, and makes a directory with its inode holding a
   * new `data.bin`; returns that directory (not in the source yet), or undefined when another
   * process took the freed inode first. Each attempt's files get their own mtime: the files of an
   * earlier attempt's deleted `<name>1` may hand their inodes to this one's, and with the same
   * names, sizes and mtimes too they would prove this directory a rename of that one, rightly.
   */
  async function reuseOnce(
    mode: string,
    name: string,
    attempt: number,
  ): Promise<string | undefined> {
    const target = `${ROOT}/${mode}`;
    await writeTree(
      source(mode),
      { [`${name}1/data.bin`]: RUN1, [`${name}1/only1.bin`]: 'only in run1' },
      T1 + attempt,
    );
    await eventually(`${name}1 synced`, async () =>
      (await fx.client.dataObjects.stat(`${target}/${name}1/only1.bin`)) === undefined
        ? undefined
        : true,
    );
    await eventually(`${name}1 recorded`, () =>
      daemon.logs.some((e) => e.job === mode && e.message === `upload ${name}1/only1.bin`)
        ? true
        : undefined,
    );
    const { ino } = await stat(join(source(mode), `${name}1`));
    await rm(join(source(mode), `${name}1`), { recursive: true });
    const reused = await directoryWithInode(join(bases[mode]!, 'scratch'), ino);
    if (reused !== undefined) await writeFile(join(reused, 'data.bin'), RUN2);
    return reused;
  }

  for (const mode of modes) {
    it(`is not renamed, and nothing of either directory is lost (delete = ${mode})`, async (t) => {
      const target = `${ROOT}/${mode}`;
      let name: string | undefined;
      for (let attempt = 0; attempt < 10 && name === undefined; attempt++) {
        const reused = await reuseOnce(mode, `run${attempt}-`, attempt);
        if (reused === undefined) continue;
        name = `run${attempt}-`;
        await rename(reused, join(source(mode), `${name}2`));
      }
      if (name === undefined) {
        t.skip('the file system never handed out the freed inode again');
        return;
      }
      const run1 = `${target}/${name}1`;
      const run2 = `${target}/${name}2`;
      await eventually('run2/data.bin in iRODS', async () =>
        (await fx.client.dataObjects.stat(`${run2}/data.bin`)) === undefined ? undefined : true,
      );
      assert.deepEqual(await fx.client.dataObjects.read(`${run2}/data.bin`), RUN2);
      assert.deepEqual(await namesIn(fx.client, run2), ['data.bin']);
      if (mode === 'keep') {
        assert.deepEqual(await fx.client.dataObjects.read(`${run1}/data.bin`), RUN1);
        assert.equal(
          (await fx.client.dataObjects.read(`${run1}/only1.bin`)).toString(),
          'only in run1',
        );
      } else {
        const trashed = `${TRASH}/${mode}/${name}1`;
        await eventually('run1 in the trash', async () =>
          (await fx.client.dataObjects.stat(`${trashed}/only1.bin`)) === undefined
            ? undefined
            : true,
        );
        assert.deepEqual(await fx.client.dataObjects.read(`${trashed}/data.bin`), RUN1);
        assert.equal(
          (await fx.client.dataObjects.read(`${trashed}/only1.bin`)).toString(),
          'only in run1',
        );
        await eventually('run1 gone from the target', async () =>
          (await fx.client.collections.stat(run1)) === undefined ? true : undefined,
        );
      }
      assert.equal(
        daemon.logs.some(
          (e) => e.job === mode && String(e.message).includes(`renamed ${name}1 to`),
        ),
        false,
        'not taken for a rename',
      );
    });
  }
});
