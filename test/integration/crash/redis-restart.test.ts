import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import {
  assertIngestedExactlyOnce,
  isPassSummary,
  isRunning,
  startRig,
  type CrashRig,
} from './rig.js';
import { randomDelays } from './delays.js';

describe('a put_sync job whose Redis is killed and restarted (AOF) during the pass', () => {
  let rig: CrashRig;
  before(async () => {
    rig = await startRig();
  });
  after(async () => {
    await rig.cleanUp();
  });

  it('ends with every file in iRODS once, nothing failed, no handle left', async (t) => {
    const { daemon } = rig;
    const redis = rig.redis!;
    await daemon.waitFor(isRunning);
    await sleep(randomDelays(t)(2_000, 8_000));
    assert.equal(daemon.logs.some(isPassSummary), false, 'the pass ended before Redis was killed');
    // SIGKILL, then a new redis-server on the same socket that replays the AOF (fsync'ed every
    // second, so up to a second of the daemon's last writes is lost, as in production).
    await redis.restart();
    const summary = await daemon.passDone(1, undefined, 180_000);
    await assertIngestedExactlyOnce(rig);
    assert.equal(summary.failed, 0, summary.message);
  });
});
