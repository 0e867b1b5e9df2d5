/**
 * Issue 20: the failure list and the pass counters tell the same story. A pass's `failed` is the
 * files on the list that failed during it, so a failure cleared later (the file fixed and synced
 * by the watcher) is taken off it; and a failure of a file that a pass found gone leaves the
 * list, since nothing else ever would (the file never got a state, so no delete settles it).
 * A fifo is the failure at hand: every pass lists it as failed, with the setting that skips it.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { Ingestd } from '../../helpers/ingestd.js';
import { countsOf, expected, useSyncFixture } from './fixture.js';
import { eventually } from '../../helpers/eventually.js';
import { ctl, ctlJson } from './safety.js';

const ROOT = '/tempZone/home/rods/failure-list';

interface ListStatus {
  pass: number;
  current: { failed: number };
  failures: number;
}

const listStatus = (daemon: Ingestd, job: string) => ctlJson<ListStatus>(daemon, 'job', job);

describe('the failure list and the pass counters', () => {
  const fx = useSyncFixture();

  it('takes a failure off the pass count when the file succeeds later', async () => {
    const source = await fx.tempDir('fail-fixed-');
    execFileSync('mkfifo', [join(source, 'pipe')]);
    await writeFile(join(source, 'ok.txt'), 'ok');
    const daemon = await fx.daemon({
      jobs: [
        {
          name: 'fixed',
          source,
          target: `${ROOT}/fixed`,
          operation: 'put_sync',
          // Not skipped by type: listed as failed.
          exclude_types: [],
          watch: true,
          settle: '500ms',
          rescan_interval: '1h',
        },
      ],
    });
    await daemon.waitFor((e) => e.job === 'fixed' && e.message.includes(': watching '));
    const second = await daemon.passDone(2, 'fixed');
    assert.deepEqual(countsOf(second), expected({ seen: 2, failed: 1 }));
    const before = await listStatus(daemon, 'fixed');
    assert.equal(before.current.failed, 1);
    assert.equal(before.failures, 1);

    // The fifo becomes a regular file: the watcher syncs it, and it leaves the list.
    await rm(join(source, 'pipe'));
    await writeFile(join(source, 'pipe'), 'now a file');
    await eventually('the file synced', async () =>
      (await fx.client.dataObjects.stat(`${ROOT}/fixed/pipe`)) === undefined ? undefined : true,
    );
    const status = await eventually('the failure cleared', async () => {
      const now = await listStatus(daemon, 'fixed');
      return now.failures === 0 ? now : undefined;
    });
    assert.equal(status.pass, 2);
    assert.equal(status.current.failed, 0, 'the pass no longer counts it as failed');
  });

  it('clears the failure of a file that a pass found gone', async () => {
    const source = await fx.tempDir('fail-gone-');
    execFileSync('mkfifo', [join(source, 'pipe')]);
    await writeFile(join(source, 'ok.txt'), 'ok');
    const daemon = await fx.daemon({
      jobs: [
        {
          name: 'gone',
          source,
          target: `${ROOT}/gone`,
          operation: 'put_sync',
          exclude_types: [],
          rescan_interval: '1h',
        },
      ],
    });
    assert.deepEqual(
      countsOf(await daemon.passDone(1, 'gone')),
      expected({ seen: 2, new: 1, failed: 1 }),
    );
    assert.equal((await listStatus(daemon, 'gone')).failures, 1);

    await rm(join(source, 'pipe'));
    assert.equal((await ctl(daemon, 'rescan', 'gone')).code, 0);
    assert.deepEqual(countsOf(await daemon.passDone(2, 'gone')), expected({ seen: 1 }));
    assert.equal((await listStatus(daemon, 'gone')).failures, 0, 'nothing failed is left listed');
    const page = await ctlJson<{ failures: unknown[] }>(daemon, 'failures', 'gone');
    assert.deepEqual(page.failures, []);
  });
});
