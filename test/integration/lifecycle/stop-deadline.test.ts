/**
 * A stop always ends: batches that are still running when the grace period (60 s) is over are
 * left behind (they run again at the next start; nothing half-done is recorded) and the daemon
 * exits 0, even with iRODS hanging and its embedded Redis killed during the stop.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startEmulator, type TestEmulator } from '../../helpers/emulator.js';
import { eventually } from '../../helpers/eventually.js';
import { startIngestd, type Ingestd } from '../../helpers/ingestd.js';
import { redisServersServing } from '../../helpers/processes.js';
import { within } from '../../helpers/within.js';

/** The daemon's grace period for running batches (daemon.ts). */
const GRACE_MS = 60_000;

/** A port nobody listens on now (the config refuses port 0). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Polls the daemon's metrics until one of its files is in flight in a batch. */
async function batchInFlight(metricsUrl: string): Promise<void> {
  await eventually('a batch in flight', async () =>
    /^irods_ingest_in_flight_files\{job="job0"\} [1-9]/m.test(
      await (await fetch(metricsUrl)).text(),
    ),
  );
}

describe('a stop while a batch hangs on iRODS', () => {
  let emulator: TestEmulator;
  let source: string;
  let daemon: Ingestd;
  before(async () => {
    emulator = await startEmulator();
    source = await mkdtemp(join(tmpdir(), 'ingest-stop-deadline-'));
    await writeFile(join(source, 'stuck.txt'), 'stuck');
  });
  after(async () => {
    await daemon?.kill();
    await daemon?.cleanUp();
    await emulator.stop();
    await rm(source, { recursive: true, force: true });
  });

  it('ends after the grace period with exit 0, its Redis killed meanwhile', async () => {
    // Every registration waits longer than the grace period (and the client retries it).
    await emulator.setFaults({ latencyMs: 3 * GRACE_MS, ops: ['register'] });
    daemon = await startIngestd({
      emulator,
      metricsListen: `127.0.0.1:${await freePort()}`,
      jobs: [{ source, target: '/tempZone/home/rods/stuck', rescan_interval: '1h' }],
    });
    const metrics = await daemon.waitFor((e) => e.message.startsWith('metrics at '));
    await batchInFlight(metrics.message.slice('metrics at '.length));
    process.kill(daemon.pid!, 'SIGTERM');
    await daemon.waitFor((e) => /^SIGTERM: stopping/.test(e.message));
    // Redis dies while the stop waits for the batch: it is started again, and the stop goes on.
    const [redisPid] = await redisServersServing(daemon.embeddedRedisSocket);
    process.kill(redisPid!, 'SIGKILL');
    const code = await within(daemon.exit(), GRACE_MS + 20_000, 'the daemon did not exit');
    assert.equal(code, 0);
    assert.ok(
      daemon.logs.some((e) => /batches still running after the grace period/.test(e.message)),
      'the batch was left behind, and the log says so',
    );
    assert.deepEqual(await redisServersServing(daemon.embeddedRedisSocket), []);
  });
});
