import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import type { LogEvent } from '../../helpers/ingestd.js';
import {
  assertIngestedExactlyOnce,
  isPassSummary,
  isRunning,
  nextEvent,
  parallelWriteInFlight,
  SMALL_FILES,
  startedPass,
  startRig,
  type CrashRig,
} from './rig.js';
import { randomDelays } from './delays.js';

const KILLS = 5;

describe('a put_sync job killed with SIGKILL five times during its first pass', () => {
  let rig: CrashRig;
  before(async () => {
    rig = await startRig();
  });
  after(async () => {
    await rig.cleanUp();
  });

  it(`ends with its ${SMALL_FILES} files in iRODS once, none failed, no handle open`, async (t) => {
    const { daemon } = rig;
    const delay = randomDelays(t);
    const passStarted = (event: LogEvent) => startedPass(event) !== undefined;
    let running = daemon.waitFor(isRunning);
    let started = daemon.waitFor(passStarted);
    for (let kill = 1; kill <= KILLS; kill++) {
      await running;
      // The first kill lands while a large file is being written through a parallel-write
      // handle, which the killed process can never shut down; the others at random moments.
      if (kill === 1) await parallelWriteInFlight(rig);
      else await sleep(delay(1_000, 4_000));
      assert.equal(
        daemon.logs.some(isPassSummary),
        false,
        `the work was done before kill ${kill}: the tree is too small to crash into`,
      );
      await daemon.kill();
      if (kill === 1) {
        const { open_parallel_write_handles: open } = await rig.emulator.stats();
        assert.ok(open! > 0, 'the killed upload left its parallel-write handle open');
      }
      running = nextEvent(daemon, isRunning);
      started = nextEvent(daemon, passStarted);
      await daemon.restart();
    }
    await running;
    const pass = startedPass(await started);
    const summary = await daemon.passDone(pass!, undefined, 180_000);
    await assertIngestedExactlyOnce(rig);
    assert.equal(summary.failed, 0, summary.message);
  });
});
