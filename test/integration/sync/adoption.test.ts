/**
 * Moving in: a job on a collection iRODS holds already (filled by another tool, or by this daemon
 * before its Redis was lost) adopts what matches instead of sending it again, and `put` keeps
 * what differs.
 */
import assert from 'node:assert/strict';
import { mkdir, symlink, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { runCtl } from '../control/run-ctl.js';
import type { JobSpec } from '../../helpers/ingestd.js';
import {
  bytesOf,
  objectFacts,
  sha2,
  useSyncFixture,
  writeTree,
  type SyncFixture,
} from './fixture.js';

const MTIME = 1_700_000_000;

/** Three directories of files, 12 files in all. */
function tree(): Record<string, string | Uint8Array> {
  const entries: Record<string, string | Uint8Array> = {};
  for (const dir of ['a', 'b', 'a/deep']) {
    for (let i = 0; i < 4; i++) entries[`${dir}/f${i}.dat`] = bytesOf(100 + i * 37, i + dir.length);
  }
  return entries;
}
const FILES = Object.keys(tree()).length;

async function dataWrites(fx: SyncFixture): Promise<number> {
  return (await fx.emulator.stats()).data_writes!;
}

/**
 * Ingests the tree with `first`, then runs `second` on a fresh Redis (a new daemon, a new state
 * directory): returns that daemon, the writes its first pass made and its summary.
 */
async function ingestTwice(
  fx: SyncFixture,
  target: string,
  first: Partial<JobSpec>,
  second: Partial<JobSpec>,
  source?: string,
) {
  source ??= await fx.tempDir('adopt-');
  await writeTree(source, tree(), MTIME);
  const job = { name: 'move', source, target, rescan_interval: '0' };
  const before = await fx.daemon({ jobs: [{ ...job, ...first }] });
  const initial = await before.passDone(1, 'move');
  assert.equal(initial.failed, 0);
  assert.equal(await before.stop(), 0);

  const writes = await dataWrites(fx);
  const after = await fx.daemon({ jobs: [{ ...job, ...second }] });
  const summary = await after.passDone(1, 'move');
  return { source, daemon: after, summary, writes: (await dataWrites(fx)) - writes };
}

describe('adoption of what iRODS holds already', () => {
  const fx = useSyncFixture();

  it('put_sync on a fresh Redis adopts every file, sends nothing, and still syncs changes', async () => {
    const target = '/tempZone/home/rods/adopt-sync';
    const spec = { operation: 'put_sync' };
    const { source, daemon, summary, writes } = await ingestTwice(fx, target, spec, spec);
    assert.equal(writes, 0, 'no data object is written again');
    assert.equal(summary.adopted, FILES);
    assert.equal(summary.failed, 0);
    assert.equal(summary.bytes, 0);

    // Every state was recorded: a second pass finds nothing to do.
    assert.equal((await runCtl(['--socket', daemon.socket, 'rescan', 'move'])).code, 0);
    const again = await daemon.passDone(2, 'move');
    assert.deepEqual([again.new, again.updated, again.adopted], [0, 0, 0]);

    const changed = join(source, 'a/f1.dat');
    await writeFile(changed, 'new content');
    await utimes(changed, MTIME + 60, MTIME + 60);
    const before = await dataWrites(fx);
    assert.equal((await runCtl(['--socket', daemon.socket, 'rescan', 'move'])).code, 0);
    const third = await daemon.passDone(3, 'move');
    assert.equal(third.updated, 1);
    assert.ok((await dataWrites(fx)) > before);
    const facts = await objectFacts(fx.client, `${target}/a/f1.dat`);
    assert.equal(facts?.bytes?.toString(), 'new content');
    assert.equal(facts?.modifiedAt, MTIME + 60);
  });

  it('with verify, has iRODS compute missing checksums and adopts equal ones', async () => {
    const target = '/tempZone/home/rods/adopt-verify';
    const { summary, writes } = await ingestTwice(
      fx,
      target,
      { operation: 'put_sync', checksum: 'none' },
      { operation: 'put_sync', checksum: 'verify' },
    );
    assert.equal(writes, 0);
    assert.equal(summary.adopted, FILES);
    const facts = await objectFacts(fx.client, `${target}/b/f2.dat`);
    assert.equal(facts?.checksum, sha2(tree()['b/f2.dat']!));
  });

  it('with verify, sends a file whose object has its size and mtime but other bytes', async () => {
    const target = '/tempZone/home/rods/adopt-verify-differs';
    const source = await fx.tempDir('adopt-differs-');
    await writeTree(source, { 'x.dat': 'aaaa', 'y.dat': 'bbbb' }, MTIME);
    // Same size and mtime in iRODS, other bytes: only the checksum tells them apart.
    const other = await fx.tempDir('adopt-other-');
    await writeTree(other, { 'x.dat': 'zzzz' });
    await fx.client.collections.ensure(target);
    await fx.client.upload(join(other, 'x.dat'), `${target}/x.dat`);
    await fx.client.dataObjects.touch(`${target}/x.dat`, MTIME);
    const daemon = await fx.daemon({
      jobs: [
        {
          name: 'v',
          source,
          target,
          operation: 'put_sync',
          checksum: 'verify',
          rescan_interval: '0',
        },
      ],
    });
    const summary = await daemon.passDone(1, 'v');
    assert.equal(summary.new, 2);
    assert.equal(summary.failed, 0);
    assert.equal((await objectFacts(fx.client, `${target}/x.dat`))?.bytes?.toString(), 'aaaa');
  });

  it('register on a fresh Redis adopts registrations of the same physical paths', async () => {
    const target = '/tempZone/home/rods/adopt-register';
    const spec = { operation: 'register' };
    const { summary, writes } = await ingestTwice(fx, target, spec, spec);
    assert.equal(writes, 0);
    assert.equal(summary.adopted, FILES);
    assert.equal(summary.failed, 0);
  });

  it('register with physical_source adopts the registrations of the server-side paths', async () => {
    const dir = await fx.tempDir('adopt-physical-');
    const source = join(dir, 'src');
    // The server's view of the same storage: another path to the same files.
    const serverView = join(dir, 'server-view');
    await mkdir(source);
    await symlink(source, serverView);
    const target = '/tempZone/home/rods/adopt-physical';
    const spec = { operation: 'register', physical_source: serverView };
    const { summary, writes } = await ingestTwice(fx, target, spec, spec, source);
    assert.equal(writes, 0);
    assert.equal(summary.adopted, FILES);
    assert.equal(summary.failed, 0);
  });

  it('put keeps existing objects with other content; put_sync sends over them', async () => {
    const source = await fx.tempDir('adopt-put-');
    await writeTree(source, { 'keep.txt': 'mine', 'fresh.txt': 'fresh' }, MTIME);
    const other = await fx.tempDir('adopt-put-other-');
    await writeTree(other, { 'keep.txt': 'theirs, longer' });
    for (const name of ['put', 'put-sync']) {
      const target = `/tempZone/home/rods/adopt-${name}`;
      await fx.client.collections.ensure(target);
      await fx.client.upload(join(other, 'keep.txt'), `${target}/keep.txt`);
    }

    const put = await fx.daemon({
      jobs: [
        {
          name: 'put',
          source,
          target: '/tempZone/home/rods/adopt-put',
          operation: 'put',
          rescan_interval: '0',
        },
      ],
    });
    const kept = await put.passDone(1, 'put');
    assert.deepEqual([kept.kept, kept.new, kept.failed], [1, 1, 0]);
    const theirs = await objectFacts(fx.client, '/tempZone/home/rods/adopt-put/keep.txt');
    assert.equal(theirs?.bytes?.toString(), 'theirs, longer');
    const fresh = await objectFacts(fx.client, '/tempZone/home/rods/adopt-put/fresh.txt');
    assert.equal(fresh?.bytes?.toString(), 'fresh');
    assert.equal(await put.stop(), 0);

    const sync = await fx.daemon({
      jobs: [
        {
          name: 'sync',
          source,
          target: '/tempZone/home/rods/adopt-put-sync',
          operation: 'put_sync',
          rescan_interval: '0',
        },
      ],
    });
    const sent = await sync.passDone(1, 'sync');
    assert.deepEqual([sent.kept, sent.new, sent.failed], [0, 2, 0]);
    const mine = await objectFacts(fx.client, '/tempZone/home/rods/adopt-put-sync/keep.txt');
    assert.equal(mine?.bytes?.toString(), 'mine');
  });
});
