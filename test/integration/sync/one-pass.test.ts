/**
 * A one-pass job (`rescan_interval = "0"`) is done after its pass, also across restarts of the
 * daemon, until it is asked to pass again or its settings change.
 */
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { describe, it } from 'node:test';
import { runCtl } from '../control/run-ctl.js';
import { countsOf, expected, useSyncFixture, writeTree } from './fixture.js';

const ROOT = '/tempZone/home/rods/one-pass';

describe('one-pass jobs', () => {
  const fx = useSyncFixture();

  it('stay done after a restart, pass again on request or when their settings change', async () => {
    const source = await fx.tempDir('one-pass-');
    await writeTree(source, { 'a.txt': 'a', 'b.tmp': 'b' });
    const daemon = await fx.daemon({
      jobs: [{ name: 'once', source, target: ROOT, operation: 'put_sync' }],
    });
    assert.deepEqual(countsOf(await daemon.passDone(1, 'once')), expected({ seen: 2, new: 2 }));
    assert.equal(await daemon.stop(), 0);

    await daemon.restart();
    await daemon.waitFor((e) =>
      /^job once is done: pass 1 completed in an earlier run/.test(e.message),
    );
    const rescan = await runCtl(['--socket', daemon.socket, 'rescan', 'once']);
    assert.equal(rescan.code, 0, rescan.stderr);
    assert.deepEqual(countsOf(await daemon.passDone(2, 'once')), expected({ seen: 2 }));
    assert.equal(await daemon.stop(), 0);

    const config = await readFile(daemon.configFile, 'utf8');
    await writeFile(
      daemon.configFile,
      config.replace('name = "once"\n', 'name = "once"\nexclude = ["**/*.tmp"]\n'),
    );
    await daemon.restart();
    assert.deepEqual(
      countsOf(await daemon.passDone(3, 'once')),
      expected({ seen: 1, excluded: 1 }),
      'changed settings: the job passes again',
    );
    assert.equal(await daemon.stop(), 0);
    assert.equal(
      daemon.logs.filter((e) => e.job === 'once' && e.durationMs !== undefined).length,
      3,
    );
  });
});
