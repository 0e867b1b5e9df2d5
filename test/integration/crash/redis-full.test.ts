import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { REFUSAL_PROBE_MS } from '../../../src/worker/pool.js';
import { startEmulator } from '../../helpers/emulator.js';
import { startIngestd } from '../../helpers/ingestd.js';
import { startRedis } from '../../helpers/redis.js';
import { runCtl } from '../control/run-ctl.js';
import {
  assertIngestedExactlyOnce,
  JOB,
  isPassSummary,
  isRunning,
  startRig,
  type CrashRig,
} from './rig.js';
import { randomDelays } from './delays.js';

describe('a put_sync job whose Redis reaches its memory limit (noeviction) during the pass', () => {
  let rig: CrashRig;
  let admin: Redis;
  before(async () => {
    rig = await startRig({ largeFiles: false, adhoc: true });
    admin = new Redis({ path: rig.redisSocket });
  });
  after(async () => {
    admin.disconnect();
    await rig.cleanUp();
  });

  it('waits, says why once, and ends with every file in iRODS once the limit is raised', async (t) => {
    const { daemon } = rig;
    await daemon.waitFor(isRunning);
    await sleep(randomDelays(t)(2_000, 5_000));
    assert.equal(daemon.logs.some(isPassSummary), false, 'the pass ended before Redis filled');
    const used = /used_memory:(\d+)/.exec(await admin.info('memory'))![1]!;
    await admin.config('SET', 'maxmemory', used);
    const from = daemon.logs.length;
    await sleep(3 * REFUSAL_PROBE_MS);

    const said = daemon.logs.slice(from).filter((e) => e.level === 'warn' || e.level === 'error');
    const lines = said.map((e) => e.message.slice(0, 160));
    // Unheld, every failed call of the queue's worker was a line: hundreds in these 15 s.
    assert.ok(said.length <= 15, `${said.length} warnings and errors:\n${lines.join('\n')}`);
    const held = said.find((e) => /Redis refuses writes/.test(e.message) && e.level === 'error');
    assert.match(held?.message ?? lines.join('\n'), /raise its maxmemory.*take no batches/);
    process.kill(daemon.pid!, 0);
    // Status reads still work, and say why nothing moves.
    const job = await runCtl(['--socket', daemon.socket, 'job', JOB]);
    assert.equal(job.code, 0, job.stderr);
    assert.match(job.stdout, /workers wait: +Redis refuses writes \(OOM .*\(since /);
    // What cannot be written says why, and what to do, wherever it is reported.
    const adhocSource = await mkdtemp(join(tmpdir(), 'ingest-full-adhoc-'));
    const start = await runCtl([
      '--socket',
      daemon.socket,
      'start',
      '--name',
      'while-full',
      '--source',
      adhocSource,
      '--target',
      '/tempZone/home/rods/while-full',
    ]);
    assert.notEqual(start.code, 0);
    assert.match(start.stderr, /Redis refuses writes \(OOM .*\): raise its maxmemory/);
    await rm(adhocSource, { recursive: true });

    await admin.config('SET', 'maxmemory', '0');
    await daemon.waitFor((e) => /Redis takes writes again/.test(e.message), 30_000);
    // The pass that met the full Redis failed and is tried again under a new number.
    const summary = await daemon.waitFor(isPassSummary, 180_000);
    t.diagnostic(
      daemon.logs
        .filter((e) => / pass \d+ /.test(e.message))
        .map((e) => e.message)
        .join('\n'),
    );
    await assertIngestedExactlyOnce(rig);
    assert.equal(summary.failed, 0, summary.message);
  });
});

describe('a daemon started while its Redis refuses writes', () => {
  it('exits 1 and says why in one line, without a stack trace', async () => {
    const emulator = await startEmulator();
    const redis = await startRedis();
    const admin = new Redis({ path: redis.socketPath });
    await admin.config('SET', 'maxmemory', '1');
    const daemon = await startIngestd({ emulator, jobs: [], redisUrl: redis.url });
    try {
      const said = await daemon.waitFor((e) => /Redis refuses writes/.test(e.message));
      assert.match(
        said.message,
        /^irods-ingestd: Redis refuses writes \(OOM .*\): raise its maxmemory.*cannot start/,
      );
      assert.equal(await daemon.exit(), 1);
      const stack = daemon.logs.filter((e) => /^\s+at /.test(e.message));
      assert.deepEqual(stack, [], 'no stack trace');
    } finally {
      admin.disconnect();
      await daemon.cleanUp();
      await redis.stop();
      await emulator.stop();
    }
  });
});
