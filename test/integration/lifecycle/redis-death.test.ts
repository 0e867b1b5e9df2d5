/**
 * The embedded redis-server dies while the daemon runs (killed, OOM, crashed): the daemon starts
 * it again on its data and carries on, or, when it cannot, exits non-zero within 30 s with the
 * reason, so that its supervisor takes over. It never waits for a Redis nobody will start.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { startEmulator, type TestEmulator } from '../../helpers/emulator.js';
import { startIngestd, type Ingestd } from '../../helpers/ingestd.js';
import { redisServersServing } from '../../helpers/processes.js';
import {
  assertIngestedExactlyOnce,
  isPassSummary,
  isRunning,
  startRig,
  type CrashRig,
} from '../crash/rig.js';
import { randomDelays } from '../crash/delays.js';
import { within } from '../../helpers/within.js';

/** Kills the daemon's embedded redis-server with SIGKILL; returns its pid. */
async function killEmbeddedRedis(daemon: Ingestd): Promise<number> {
  const [pid, ...more] = await redisServersServing(daemon.embeddedRedisSocket);
  assert.ok(pid !== undefined && more.length === 0, 'one embedded redis-server runs');
  process.kill(pid, 'SIGKILL');
  return pid;
}

describe('a put_sync job whose embedded redis-server is killed with SIGKILL mid-pass', () => {
  let rig: CrashRig;
  before(async () => {
    rig = await startRig({ embeddedRedis: true, smallFiles: 3_000 });
  });
  after(async () => {
    await rig.cleanUp();
  });

  it('is carried on by a restarted server: every file in iRODS once, none failed', async (t) => {
    const { daemon } = rig;
    await daemon.waitFor(isRunning);
    await sleep(randomDelays(t)(1_500, 3_000));
    assert.equal(daemon.logs.some(isPassSummary), false, 'the pass ended before Redis was killed');
    const killed = await killEmbeddedRedis(daemon);
    const restart = await daemon.waitFor(
      (e) => /started again on its data/.test(e.message),
      30_000,
    );
    assert.equal(restart.level, 'warn');
    assert.match(restart.message, /ended \(signal SIGKILL\) while the daemon ran/);
    const [now] = await redisServersServing(daemon.embeddedRedisSocket);
    assert.ok(now !== undefined && now !== killed);
    const summary = await daemon.passDone(1, undefined, 180_000);
    await assertIngestedExactlyOnce(rig);
    assert.equal(summary.failed, 0, summary.message);
  });
});

describe('a daemon whose embedded redis-server dies and cannot be started again', () => {
  let emulator: TestEmulator;
  let source: string;
  let daemon: Ingestd;
  before(async () => {
    emulator = await startEmulator();
    source = await mkdtemp(join(tmpdir(), 'ingest-lost-redis-'));
    await writeFile(join(source, 'a.txt'), 'a');
    daemon = await startIngestd({
      emulator,
      jobs: [{ source, target: '/tempZone/home/rods/lost', rescan_interval: '1h' }],
    });
  });
  after(async () => {
    await daemon.kill();
    await daemon.cleanUp();
    await emulator.stop();
    await rm(source, { recursive: true, force: true });
  });

  it('exits with 1 within 30 s, saying why, and leaves no redis-server behind', async () => {
    await daemon.passDone(1);
    // Its data is unreadable now: the restarted server refuses to load it.
    await writeFile(
      join(daemon.stateDir, 'redis', 'appendonlydir', 'appendonly.aof.manifest'),
      'garbage\n',
    );
    await killEmbeddedRedis(daemon);
    const code = await within(daemon.exit(), 30_000, 'the daemon did not exit');
    assert.equal(code, 1);
    const reason = daemon.logs.find((e) => /could not be started again/.test(e.message));
    assert.equal(reason?.level, 'error', 'the reason is logged at error');
    assert.deepEqual(await redisServersServing(daemon.embeddedRedisSocket), []);
  });
});
