/**
 * Issue 11, defect 7: a directory replaced by a file of the same name (and the reverse)
 * converges within two passes under a delete mode: the old collection or object goes through the
 * job's delete mode and the new entry is created. Under `keep` the entry fails with a reason that
 * says what blocks it. The pass counts only deletes that removed something.
 */
import assert from 'node:assert/strict';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import type { Ingestd } from '../../helpers/ingestd.js';
import { countsOf, namesIn, useSyncFixture, writeTree } from './fixture.js';
import { ctlJson } from './safety.js';

const ROOT = '/tempZone/home/rods/swap';
const T1 = 1_600_000_000;
const TREE = { 'swapdir/inner.txt': 'inside the old directory', swapfile: 'the old file' };

describe('type swaps', () => {
  const fx = useSyncFixture();
  let daemon: Ingestd;
  const sources: Record<string, string> = {};

  before(async () => {
    for (const name of ['converge', 'kept', 'counted']) {
      sources[name] = await fx.tempDir(`swap-${name}-`);
      await writeTree(
        sources[name],
        name === 'counted' ? { 'x.txt': 'x', 'y.txt': 'y' } : TREE,
        T1,
      );
    }
    daemon = await fx.daemon({
      jobs: [
        {
          name: 'converge',
          source: sources.converge!,
          target: `${ROOT}/converge`,
          operation: 'put_sync',
          delete: 'no_trash',
          rescan_interval: '1h',
        },
        {
          name: 'kept',
          source: sources.kept!,
          target: `${ROOT}/kept`,
          operation: 'put_sync',
          delete: 'keep',
          rescan_interval: '1h',
        },
        {
          name: 'counted',
          source: sources.counted!,
          target: `${ROOT}/counted`,
          operation: 'put_sync',
          delete: 'no_trash',
          rescan_interval: '1h',
        },
      ],
    });
    for (const name of ['converge', 'kept', 'counted']) await daemon.passDone(1, name);
  });

  async function swap(source: string): Promise<void> {
    await rm(join(source, 'swapdir'), { recursive: true });
    await writeFile(join(source, 'swapdir'), 'now a file');
    await rm(join(source, 'swapfile'));
    await mkdir(join(source, 'swapfile'));
    await writeFile(join(source, 'swapfile', 'inside.txt'), 'now inside a directory');
  }

  async function passes(name: string, ...numbers: number[]): Promise<void> {
    for (const pass of numbers) {
      await ctlJson(daemon, 'rescan', name);
      await daemon.passDone(pass, name);
    }
  }

  it('converges within two passes with a delete mode', async () => {
    const target = `${ROOT}/converge`;
    await swap(sources.converge!);
    await passes('converge', 2, 3);
    assert.equal((await fx.client.dataObjects.read(`${target}/swapdir`)).toString(), 'now a file');
    assert.ok(await fx.client.collections.stat(`${target}/swapfile`), 'swapfile is a collection');
    assert.equal(
      (await fx.client.dataObjects.read(`${target}/swapfile/inside.txt`)).toString(),
      'now inside a directory',
    );
    const { failures } = await ctlJson<{ failures: unknown[] }>(daemon, 'failures', 'converge');
    assert.deepEqual(failures, []);
  });

  it('fails the entries with keep, saying what blocks them', async () => {
    const target = `${ROOT}/kept`;
    await swap(sources.kept!);
    await passes('kept', 2);
    const { failures } = await ctlJson<{ failures: { path: string; message: string }[] }>(
      daemon,
      'failures',
      'kept',
    );
    const byPath = new Map(failures.map((f) => [f.path, f.message]));
    assert.match(
      byPath.get('swapdir') ?? '',
      /collection .*swapdir.* is in the way.*delete = "keep"/,
    );
    assert.match(
      byPath.get('swapfile') ?? '',
      /data object .*swapfile.* is in the way.*delete = "keep"/,
    );
    assert.equal(
      (await fx.client.dataObjects.read(`${target}/swapdir/inner.txt`)).toString(),
      'inside the old directory',
    );
    assert.equal(
      (await fx.client.dataObjects.read(`${target}/swapfile`)).toString(),
      'the old file',
    );
  });

  it('counts only deletes that removed something', async () => {
    const target = `${ROOT}/counted`;
    // Someone removed x.txt from iRODS already; then it goes from the source too.
    await fx.client.dataObjects.remove(`${target}/x.txt`, 'no_trash');
    await rm(join(sources.counted!, 'x.txt'));
    await rm(join(sources.counted!, 'y.txt'));
    await passes('counted', 2);
    const summary = daemon.logs.find(
      (e) => e.job === 'counted' && e.pass === 2 && e.durationMs !== undefined,
    )!;
    assert.equal(countsOf(summary).deleted, 1, 'y.txt only');
    assert.deepEqual(await namesIn(fx.client, target), []);
  });
});
