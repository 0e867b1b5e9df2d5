/**
 * Issue 11, defect 6: a job's recorded state belongs to its (source, target) pair. A changed
 * target starts the job on fresh state: the new collection is filled, the old one is left as it
 * is (and named in a warning), and later deletes go to the new one only. A changed source never
 * deletes what the old source put into the target.
 */
import assert from 'node:assert/strict';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { Ingestd } from '../../helpers/ingestd.js';
import { countsOf, expected, namesIn, useSyncFixture, writeTree } from './fixture.js';
import { ctl, warnings } from './safety.js';

const ROOT = '/tempZone/home/rods/pair';
const T1 = 1_600_000_000;

async function editConfig(daemon: Ingestd, from: string, to: string): Promise<void> {
  const text = await readFile(daemon.configFile, 'utf8');
  assert.ok(text.includes(from), `the config holds ${from}`);
  await writeFile(daemon.configFile, text.replace(from, to));
}

const summaries = (daemon: Ingestd, job: string) =>
  daemon.logs.filter((e) => e.job === job && e.durationMs !== undefined);

describe('the state belongs to the (source, target) pair', () => {
  const fx = useSyncFixture();

  it('a changed target (reload) fills the new collection and leaves the old one intact', async () => {
    const source = await fx.tempDir('pair-target-');
    await writeTree(source, { 'a.txt': 'alpha', 'b.txt': 'beta', 'sub/c.txt': 'gamma' }, T1);
    const oldTarget = `${ROOT}/old`;
    const newTarget = `${ROOT}/new`;
    const daemon = await fx.daemon({
      jobs: [
        {
          name: 'moved',
          source,
          target: oldTarget,
          operation: 'put_sync',
          delete: 'no_trash',
          rescan_interval: '1h',
        },
      ],
    });
    await daemon.passDone(1, 'moved');
    await editConfig(daemon, `"${oldTarget}"`, `"${newTarget}"`);
    assert.equal((await ctl(daemon, 'reload')).code, 0);
    const first = countsOf(await daemon.passDone(2, 'moved'));
    assert.deepEqual(first, expected({ seen: 4, new: 4 }));
    assert.deepEqual(await namesIn(fx.client, newTarget), ['a.txt', 'b.txt', 'sub']);
    assert.equal((await fx.client.dataObjects.read(`${newTarget}/sub/c.txt`)).toString(), 'gamma');
    assert.deepEqual(await namesIn(fx.client, oldTarget), ['a.txt', 'b.txt', 'sub']);
    const warned = warnings(daemon, 'moved', oldTarget);
    assert.equal(warned.length, 1, 'one warning names the old collection');
    assert.match(warned[0]!.message, /left as it is/);

    await rm(join(source, 'a.txt'));
    assert.equal((await ctl(daemon, 'rescan', 'moved')).code, 0);
    assert.deepEqual(
      countsOf(await daemon.passDone(3, 'moved')),
      expected({ seen: 3, deleted: 1 }),
    );
    assert.deepEqual(await namesIn(fx.client, newTarget), ['b.txt', 'sub']);
    assert.deepEqual(await namesIn(fx.client, oldTarget), ['a.txt', 'b.txt', 'sub']);
  });

  it('a changed source (restart) never deletes what the old source put into the target', async () => {
    const first = await fx.tempDir('pair-source1-');
    const second = await fx.tempDir('pair-source2-');
    await writeTree(first, { 'a.txt': 'from the first', 'b.txt': 'also from the first' }, T1);
    await writeTree(second, { 'c.txt': 'from the second' }, T1);
    const target = `${ROOT}/shared`;
    const daemon = await fx.daemon({
      jobs: [
        {
          name: 'resourced',
          source: first,
          target,
          operation: 'put_sync',
          delete: 'no_trash',
          rescan_interval: '1h',
        },
      ],
    });
    await daemon.passDone(1, 'resourced');
    await daemon.stop();
    await editConfig(daemon, `"${first}"`, `"${second}"`);
    daemon.logs.length = 0;
    await daemon.restart();
    const pass = countsOf(await daemon.passDone(2, 'resourced'));
    assert.deepEqual(pass, expected({ seen: 1, new: 1 }));
    assert.deepEqual(await namesIn(fx.client, target), ['a.txt', 'b.txt', 'c.txt']);
    assert.equal(summaries(daemon, 'resourced').length, 1);
    assert.equal(warnings(daemon, 'resourced', first).length, 1, 'the change is logged');
  });
});
