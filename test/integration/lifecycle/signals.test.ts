/**
 * Ctrl-C in a terminal and a supervisor's `kill -TERM -PGID` reach the daemon's whole process
 * group. The daemon stops within its grace period with exit 0, its embedded Redis (in a group of
 * its own) stopped last, and a restart finishes the sync with nothing lost or doubled.
 */
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { redisServersServing } from '../../helpers/processes.js';
import {
  assertIngestedExactlyOnce,
  isPassSummary,
  isRunning,
  nextEvent,
  startedPass,
  startRig,
  type CrashRig,
} from '../crash/rig.js';
import { randomDelays, type Delay } from '../crash/delays.js';
import { within } from '../../helpers/within.js';

describe('a put_sync job whose daemon gets SIGINT, then SIGTERM, to its process group mid-pass', () => {
  let rig: CrashRig;
  before(async () => {
    rig = await startRig({ embeddedRedis: true, smallFiles: 3_000 });
  });
  after(async () => {
    await rig.cleanUp();
  });

  /** Waits until the daemon runs the job, then a little more, so that batches are in flight. */
  async function midPass(since: number, delay: Delay): Promise<void> {
    await rig.daemon.waitFor(
      (event) => isRunning(event) && rig.daemon.logs.indexOf(event) >= since,
    );
    await sleep(delay(1_500, 3_000));
    const summaries = rig.daemon.logs.slice(since).filter(isPassSummary);
    assert.deepEqual(summaries, [], 'the pass ended before the signal: the tree is too small');
  }

  for (const [signal, restart] of [
    ['SIGINT', false],
    ['SIGTERM', true],
  ] as const) {
    it(`${signal} to the process group: exit 0 within 30 s, the embedded Redis stopped`, async (t) => {
      const { daemon } = rig;
      const since = daemon.logs.length;
      if (restart) await daemon.restart();
      await midPass(since, randomDelays(t));
      daemon.signalGroup(signal);
      const code = await within(daemon.exit(), 30_000, `the daemon did not exit after ${signal}`);
      assert.equal(code, 0);
      assert.deepEqual(await redisServersServing(daemon.embeddedRedisSocket), []);
      const stopped = daemon.logs.slice(since).filter((e) => e.message === 'stopped');
      assert.equal(stopped.length, 1, 'the daemon logged its stop');
    });
  }

  it('a restart completes the sync: every file in iRODS once, right checksum, none failed', async () => {
    const { daemon } = rig;
    const started = nextEvent(daemon, (event) => startedPass(event) !== undefined, 60_000);
    await daemon.restart();
    const pass = startedPass(await started);
    const summary = await daemon.passDone(pass!, undefined, 180_000);
    await assertIngestedExactlyOnce(rig);
    assert.equal(summary.failed, 0, summary.message);
  });
});
