import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import { ENTITY, IrodsError, REMOVAL, type IrodsClient } from '../../../src/irods/index.js';
import { startEmulator, type TestEmulator } from '../../helpers/emulator.js';
import {
  connect,
  localDir,
  localFile,
  patterned,
  removeLocalDir,
  sha2,
  testCollection,
} from './setup.js';

describe('IrodsClient under injected faults', () => {
  let emulator: TestEmulator;
  let client: IrodsClient;
  let dir: string;
  before(async () => {
    emulator = await startEmulator();
    // Enough attempts that a 30% failure rate never exhausts them in practice (0.3^12).
    client = await connect(emulator, { maxAttempts: 12 });
    dir = await localDir();
  });
  afterEach(() => emulator.clearFaults());
  after(async () => {
    await client.close();
    await emulator.stop();
    await removeLocalDir(dir);
  });

  it('completes every operation through 503 back-pressure', async () => {
    const root = testCollection('backpressure');
    const small = await localFile(dir, 'small', 'some data');
    const content = patterned(700_000);
    const large = await localFile(dir, 'large', content);
    await emulator.setFaults({ failRate: 0.3, status: 503 });
    const retriesBefore = client.counters.retries;

    await client.collections.create(`${root}/sub`);
    assert.equal((await client.collections.stat(root))?.type, 'collection');
    await client.upload(small, `${root}/small.txt`);
    const result = await client.upload(large, `${root}/large.bin`, { chunkBytes: 100_000 });
    assert.equal(result.sha2, sha2(content));
    await client.dataObjects.touch(`${root}/small.txt`, 1_600_000_000);
    await client.metadata.set(ENTITY.dataObject, `${root}/small.txt`, 'k', 'v');
    assert.deepEqual(await client.metadata.list(ENTITY.dataObject, `${root}/small.txt`), [
      { attribute: 'k', value: 'v', units: '' },
    ]);
    await client.dataObjects.rename(`${root}/small.txt`, `${root}/renamed.txt`);
    await client.collections.rename(`${root}/sub`, `${root}/sub2`);
    assert.deepEqual((await client.collections.list(root)).sort(), [
      `${root}/large.bin`,
      `${root}/renamed.txt`,
      `${root}/sub2`,
    ]);
    await client.dataObjects.verifyChecksum(`${root}/large.bin`, result.sha2);
    assert.equal(await client.dataObjects.remove(`${root}/renamed.txt`, REMOVAL.noTrash), true);
    assert.equal(await client.collections.remove(`${root}/sub2`, { noTrash: true }), true);

    assert.ok(client.counters.retries > retriesBefore, 'some requests were refused and retried');
    await emulator.clearFaults();
    assert.equal((await emulator.stats()).open_parallel_write_handles, 0);
    assert.equal(await client.dataObjects.stat(`${root}/renamed.txt`), undefined);
  });

  it('gives up with a retryable IrodsError when every request is refused', async () => {
    const quick = await connect(emulator, { maxAttempts: 3 });
    for (const status of [503, 500]) {
      await emulator.setFaults({ failRate: 1, status });
      await assert.rejects(quick.collections.stat('/tempZone/home/rods'), (err: unknown) => {
        assert.ok(err instanceof IrodsError);
        assert.equal(err.retryable, true);
        assert.equal(err.httpStatus, status);
        assert.equal(err.code, 'IRODS_HTTP_STATUS');
        assert.equal(err.op, 'stat');
        assert.equal(err.path, '/tempZone/home/rods');
        return true;
      });
    }
    await emulator.clearFaults();
    await quick.close();
  });

  it('finishes a multi-chunk upload through dropped connections, checksum intact', async () => {
    const root = testCollection('drops');
    await client.collections.ensure(root);
    const content = patterned(3 * 1024 * 1024 + 17);
    const file = await localFile(dir, 'drops', content);
    await emulator.setFaults({ dropRate: 0.2 });
    const result = await client.upload(file, `${root}/dropped.bin`, { chunkBytes: 256 * 1024 });
    const comparison = await client.dataObjects.compareChecksum(`${root}/dropped.bin`, result.sha2);
    await emulator.clearFaults();
    assert.equal(result.mode, 'parallel');
    assert.equal(result.sha2, sha2(content));
    assert.equal(comparison.match, true);
    assert.equal((await emulator.stats()).open_parallel_write_handles, 0);
  });

  it('falls back to sequential writes when parallel streams stay unavailable', async () => {
    const root = testCollection('fallback');
    await client.collections.ensure(root);
    const content = patterned(500_000);
    const file = await localFile(dir, 'fallback', content);
    await emulator.setFaults({ failRate: 1, status: 503, ops: ['parallel_write_init'] });
    const result = await client.upload(file, `${root}/seq.bin`, { chunkBytes: 64 * 1024 });
    await emulator.clearFaults();
    assert.equal(result.mode, 'sequential');
    assert.deepEqual(await client.dataObjects.read(`${root}/seq.bin`), content);
    assert.equal((await emulator.stats()).open_parallel_write_handles, 0);
  });

  it('shuts the parallel-write handle down when the upload fails', async () => {
    const root = testCollection('failing');
    await client.collections.ensure(root);
    const file = await localFile(dir, 'failing', patterned(500_000));
    const quick = await connect(emulator, { maxAttempts: 2 });
    await emulator.setFaults({ failRate: 1, status: 500, ops: ['write'] });
    await assert.rejects(quick.upload(file, `${root}/broken.bin`, { chunkBytes: 64 * 1024 }), {
      op: 'write',
      retryable: true,
    });
    await emulator.clearFaults();
    assert.equal((await emulator.stats()).open_parallel_write_handles, 0);
    await quick.close();
  });

  it('rides out a listener that refuses connections for a moment', async () => {
    await emulator.setFaults({ refuseForMs: 200 });
    const fresh = await connect(emulator, { maxAttempts: 12 });
    assert.equal((await fresh.collections.stat('/tempZone/home/rods'))?.type, 'collection');
    assert.ok(fresh.counters.retries > 0, 'the first attempts were refused');
    await fresh.close();
  });
});
