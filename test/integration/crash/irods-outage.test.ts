import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import type { TestEmulator } from '../../helpers/emulator.js';
import {
  assertIngestedExactlyOnce,
  isPassSummary,
  isRunning,
  startRig,
  type CrashRig,
} from './rig.js';
import { randomDelays } from './delays.js';

const OUTAGE_MS = 20_000;

/**
 * iRODS is gone for `OUTAGE_MS`: new connections are refused, and so is every request on the
 * connections the daemon already had (dropped without an answer), as when the server goes down.
 * Refusing new connections alone changes nothing for a busy daemon: its pooled keep-alive
 * connections carry on (measured: not one request failed).
 */
async function outage(emulator: TestEmulator): Promise<void> {
  await emulator.setFaults({ refuseForMs: OUTAGE_MS, dropRate: 1 });
  await sleep(OUTAGE_MS);
  // The control route is refused too until the emulator listens again.
  for (;;) {
    try {
      await emulator.clearFaults();
      return;
    } catch {
      await sleep(50);
    }
  }
}

describe('a put_sync job whose iRODS is unreachable for 20 s during the pass', () => {
  let rig: CrashRig;
  before(async () => {
    rig = await startRig();
  });
  after(async () => {
    await rig.cleanUp();
  });

  it('rides out the outage in the same process and ends with every file in iRODS once', async (t) => {
    const { daemon, emulator } = rig;
    await daemon.waitFor(isRunning);
    await sleep(randomDelays(t)(2_000, 8_000));
    assert.equal(daemon.logs.some(isPassSummary), false, 'the pass ended before the outage');
    await outage(emulator);
    // Pass 1 can only end in the process that started it: the daemon never went down.
    const summary = await daemon.passDone(1, undefined, 180_000);
    await assertIngestedExactlyOnce(rig);
    assert.equal(summary.failed, 0, summary.message);
  });
});
