/**
 * Issue 11, defect 1: a source that is not the directory the job recorded (an unmounted mount
 * point, a missing root, a missing `source_marker`) is refused before any decision, says why in
 * `status`, `job NAME`, a metric and the log, and resumes on its own once it is back.
 */
import assert from 'node:assert/strict';
import { mkdir, rename, rm, rmdir, symlink, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { Ingestd } from '../../helpers/ingestd.js';
import { countsOf, expected, namesIn, useSyncFixture, writeTree } from './fixture.js';
import { eventually } from '../../helpers/eventually.js';
import { ctl, freePort, jobStatus, metric, otherDeviceDir, refusal } from './safety.js';

const ROOT = '/tempZone/home/rods/identity';
const T1 = 1_600_000_000;
const FILES = { 'a.txt': 'alpha', 'b.txt': 'beta', 'sub/c.txt': 'gamma', 'sub/d.txt': 'delta' };

/**
 * Waits until `job` had `refusals` refused passes, or (old code) ran pass `pass`; returns
 * whether it was refused.
 */
async function refusedOrPassed(
  daemon: Ingestd,
  job: string,
  refusals: number,
  pass: number,
): Promise<boolean> {
  return eventually(`${refusals} refusals or pass ${pass} of ${job}`, () => {
    if (daemon.logs.filter(refusal(job)).length >= refusals) return true;
    const ran = daemon.logs.some((e) => e.job === job && e.pass === pass);
    return ran ? false : undefined;
  });
}

describe('the source root is checked before every pass', () => {
  const fx = useSyncFixture();
  const cleanUps: (() => Promise<void>)[] = [];
  after(async () => {
    for (const cleanUp of cleanUps) await cleanUp();
  });

  it('an unmounted source (an empty mount point) deletes nothing, and the job resumes once it is back', async () => {
    const mount = await otherDeviceDir();
    cleanUps.push(mount.cleanUp);
    await writeTree(mount.dir, FILES, T1);
    const source = join(await fx.tempDir('identity-mnt-'), 'data');
    // The mounted file system, seen through its mount point.
    await symlink(mount.dir, source);
    const target = `${ROOT}/unmounted`;
    const port = await freePort();
    const daemon = await fx.daemon({
      metricsListen: `127.0.0.1:${port}`,
      jobs: [
        {
          name: 'mnt',
          source,
          target,
          operation: 'put_sync',
          delete: 'no_trash',
          rescan_interval: '1s',
        },
      ],
    });
    await daemon.passDone(1, 'mnt');
    // Unmounted: the mount point is an empty directory of the parent file system.
    await unlink(source);
    await mkdir(source);

    assert.equal(await refusedOrPassed(daemon, 'mnt', 3, 2), true, 'the passes are refused');
    assert.deepEqual(await namesIn(fx.client, target), ['a.txt', 'b.txt', 'sub']);
    assert.deepEqual(await namesIn(fx.client, `${target}/sub`), ['c.txt', 'd.txt']);
    const status = await jobStatus(daemon, 'mnt');
    assert.match(status.refused?.reason ?? '', /another device/);
    assert.match(status.refused?.reason ?? '', /unmounted/);
    const human = await ctl(daemon, 'job', 'mnt');
    assert.match(human.stdout, /refused: .*another device/);
    const table = await ctl(daemon, 'status');
    assert.match(table.stdout, /mnt\s+refused/);
    assert.equal(await metric(port, 'irods_ingest_source_refused', { job: 'mnt' }), 1);
    const logged = daemon.logs.find(refusal('mnt'));
    assert.equal(logged?.level, 'warn');

    // Mounted again: the next pass runs, finds everything in place and sends nothing.
    await rmdir(source);
    await symlink(mount.dir, source);
    const back = countsOf(await daemon.passDone(2, 'mnt'));
    assert.deepEqual(back, expected({ seen: 5 }));
    assert.equal((await jobStatus(daemon, 'mnt')).refused, undefined);
    assert.equal(await metric(port, 'irods_ingest_source_refused', { job: 'mnt' }), 0);
    assert.deepEqual(await namesIn(fx.client, target), ['a.txt', 'b.txt', 'sub']);
  });

  it('a missing source root is refused with its reason, and the job resumes once it is back', async () => {
    const base = await fx.tempDir('identity-missing-');
    const source = join(base, 'data');
    await writeTree(source, FILES, T1);
    const target = `${ROOT}/missing`;
    const daemon = await fx.daemon({
      jobs: [
        {
          name: 'gone',
          source,
          target,
          operation: 'put_sync',
          delete: 'no_trash',
          rescan_interval: '1s',
        },
      ],
    });
    await daemon.passDone(1, 'gone');
    await rename(source, join(base, 'elsewhere'));
    await eventually('a refused or failed pass', () =>
      daemon.logs.some(
        (e) => refusal('gone')(e) || String(e.message).startsWith('job gone: the pass failed'),
      )
        ? true
        : undefined,
    );
    const status = await jobStatus(daemon, 'gone');
    assert.match(status.refused?.reason ?? '', /does not exist/);
    assert.match((await ctl(daemon, 'job', 'gone')).stdout, /refused: .*does not exist/);
    assert.deepEqual(await namesIn(fx.client, target), ['a.txt', 'b.txt', 'sub']);

    await rename(join(base, 'elsewhere'), source);
    const next = daemon.logs.filter((e) => e.job === 'gone' && e.durationMs !== undefined).length;
    const back = countsOf(await daemon.passDone(next + 1, 'gone'));
    assert.deepEqual(back, expected({ seen: 5 }));
    assert.equal((await jobStatus(daemon, 'gone')).refused, undefined);
  });

  it('with source_marker, a pass runs only while the marker is there, and the marker is not ingested', async () => {
    const source = await fx.tempDir('identity-marker-');
    await writeTree(source, { ...FILES, '.irods-ingest': '' }, T1);
    const target = `${ROOT}/marker`;
    const daemon = await fx.daemon({
      jobs: [
        {
          name: 'marked',
          source,
          target,
          operation: 'put_sync',
          delete: 'no_trash',
          rescan_interval: '1s',
          source_marker: '.irods-ingest',
        },
      ],
    });
    const first = countsOf(await daemon.passDone(1, 'marked'));
    assert.deepEqual(first, expected({ seen: 5, new: 5, excluded: 1 }));
    assert.deepEqual(await namesIn(fx.client, target), ['a.txt', 'b.txt', 'sub']);

    await rm(join(source, '.irods-ingest'));
    await rm(join(source, 'a.txt'));
    assert.equal(await refusedOrPassed(daemon, 'marked', 2, 2), true, 'the passes are refused');
    const status = await jobStatus(daemon, 'marked');
    assert.match(status.refused?.reason ?? '', /source marker .*\.irods-ingest.* is missing/);
    assert.deepEqual(await namesIn(fx.client, target), ['a.txt', 'b.txt', 'sub']);

    // The marker back: the pass runs, and a.txt, really gone, is deleted now.
    await writeFile(join(source, '.irods-ingest'), '');
    const back = countsOf(await daemon.passDone(2, 'marked'));
    assert.deepEqual(back, expected({ seen: 4, deleted: 1, excluded: 1 }));
    assert.deepEqual(await namesIn(fx.client, target), ['b.txt', 'sub']);
  });
});
