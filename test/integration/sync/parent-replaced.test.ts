/**
 * A file whose parent directory is replaced by a file while the file is being uploaded: the one
 * "gone" rule (src/core/gone.ts) takes the ENOTDIR of the check after the transfer for a file
 * that disappeared, like an ENOENT. The upload is not recorded (the file is not there to be in
 * sync with), it is not listed as failed, and the daemon goes on; the next pass sees the tree as
 * it is now.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { FailureStore, FileStateStore } from '../../../src/state/index.js';
import { startEmulator, type TestEmulator } from '../../helpers/emulator.js';
import { startIngestd, type Ingestd } from '../../helpers/ingestd.js';
import { startRedis, type TestRedis } from '../../helpers/redis.js';

const KEY_PREFIX = 'parent-replaced';
const JOB = 'replaced';
/** Over the 8 MiB request body limit: written through a parallel-write handle, chunk by chunk. */
const LARGE_BYTES = 20 * 1024 * 1024;

describe('an upload whose parent directory is replaced by a file meanwhile', () => {
  let emulator: TestEmulator;
  let redis: TestRedis;
  let work: string;
  let daemon: Ingestd;
  before(async () => {
    emulator = await startEmulator();
    redis = await startRedis();
    work = await mkdtemp(join(tmpdir(), 'ingest-replaced-'));
  });
  after(async () => {
    await daemon?.kill();
    await daemon?.cleanUp();
    await emulator.stop();
    await redis.stop();
    await rm(work, { recursive: true, force: true });
  });

  it('ends as gone: not recorded, not failed, the pass clean and the daemon up', async () => {
    const source = join(work, 'source');
    await mkdir(join(source, 'sub'), { recursive: true });
    await writeFile(join(source, 'sub', 'big.bin'), randomBytes(LARGE_BYTES));
    await writeFile(join(source, 'other.txt'), 'other');
    // Slow chunk writes keep the upload going while the test swaps the directory.
    await emulator.setFaults({ latencyMs: 3_000, ops: ['write'] });
    daemon = await startIngestd({
      emulator,
      redisUrl: redis.url,
      keyPrefix: KEY_PREFIX,
      jobs: [{ name: JOB, source, target: '/tempZone/home/rods/replaced', operation: 'put_sync' }],
    });
    for (let i = 0; (await emulator.stats()).open_parallel_write_handles === 0; i++) {
      assert.ok(i < 600, 'the upload of sub/big.bin never started');
      await sleep(50);
    }
    await rename(join(source, 'sub'), join(work, 'sub-moved-away'));
    await writeFile(join(source, 'sub'), 'a file where the directory was');
    await emulator.clearFaults();

    const summary = await daemon.passDone(1, JOB, 120_000);
    assert.equal(summary.failed, 0, summary.message);
    const client = new Redis({ path: redis.socketPath });
    try {
      const failures = await new FailureStore(client, KEY_PREFIX, JOB).list(10);
      assert.deepEqual(
        failures.failures.map((f) => `${f.relPath}: ${f.message}`),
        [],
        'nothing is on the failure list',
      );
      const states = new FileStateStore(client, KEY_PREFIX, JOB);
      const [big, other] = await states.getMany(
        ['sub/big.bin', 'other.txt'].map((path) => new Uint8Array(Buffer.from(path))),
      );
      assert.equal(big, undefined, 'the gone file is not recorded');
      assert.equal(other?.size, 5, 'the rest of the tree is');
    } finally {
      client.disconnect();
    }
    assert.equal(daemon.pid !== undefined && (await isAlive(daemon)), true);
  });
});

async function isAlive(daemon: Ingestd): Promise<boolean> {
  const exited = await Promise.race([daemon.exit().then(() => true), sleep(100, false)]);
  return !exited;
}
