import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { IrodsClient } from '../../../src/irods/index.js';
import { startEmulator, type TestEmulator } from '../../helpers/emulator.js';
import { startIngestd } from '../../helpers/ingestd.js';

describe('irods-ingestd end to end', () => {
  let emulator: TestEmulator;
  let source: string;
  before(async () => {
    emulator = await startEmulator();
    source = await mkdtemp(join(tmpdir(), 'ingest-src-'));
  });
  after(async () => {
    await emulator.stop();
    await rm(source, { recursive: true, force: true });
  });

  it('puts a small tree into iRODS in one pass and stops cleanly', async () => {
    await mkdir(join(source, 'a/empty'), { recursive: true });
    await writeFile(join(source, 'a/x.txt'), 'some data');
    const target = '/tempZone/home/rods/smoke';
    const daemon = await startIngestd({
      emulator,
      jobs: [{ source, target, operation: 'put_sync', checksum: 'verify' }],
    });
    try {
      const summary = await daemon.passDone(1);
      assert.equal(summary.new, 3);
      assert.equal(summary.failed, 0);
      const client = new IrodsClient({ url: emulator.url, username: 'rods', password: 'rods' });
      await client.connect();
      const stat = await client.dataObjects.stat(`${target}/a/x.txt`);
      assert.equal(stat?.checksum, 'sha2:EweZDmulyhRes16ZGCqb7EZTG8VN32VqYCx4D6AkDe4=');
      assert.equal((await client.collections.stat(`${target}/a/empty`))?.type, 'collection');
      await client.close();
      assert.equal(await daemon.stop(), 0);
    } finally {
      await daemon.kill();
      await daemon.cleanUp();
    }
  });
});
