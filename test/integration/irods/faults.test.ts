import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { ENTITY, IrodsError, REMOVAL } from '../../../src/irods/index.js';
import { useClientFixture, connect, localFile, patterned, sha2, testCollection } from './setup.js';

describe('IrodsClient under injected faults', () => {
  // Enough attempts that a 30% failure rate never exhausts them in practice (0.3^12).
  const fx = useClientFixture({ maxAttempts: 12 });
  afterEach(() => fx.emulator.clearFaults());

  it('completes every operation through 503 back-pressure', async () => {
    const root = testCollection('backpressure');
    const small = await localFile(fx.dir, 'small', 'some data');
    const content = patterned(700_000);
    const large = await localFile(fx.dir, 'large', content);
    await fx.emulator.setFaults({ failRate: 0.3, status: 503 });
    const retriesBefore = fx.client.counters.retries;

    await fx.client.collections.create(`${root}/sub`);
    assert.equal((await fx.client.collections.stat(root))?.type, 'collection');
    await fx.client.upload(small, `${root}/small.txt`);
    const result = await fx.client.upload(large, `${root}/large.bin`, { chunkBytes: 100_000 });
    assert.equal(result.sha2, sha2(content));
    await fx.client.dataObjects.touch(`${root}/small.txt`, 1_600_000_000);
    await fx.client.metadata.set(ENTITY.dataObject, `${root}/small.txt`, 'k', 'v');
    assert.deepEqual(await fx.client.metadata.list(ENTITY.dataObject, `${root}/small.txt`), [
      { attribute: 'k', value: 'v', units: '' },
    ]);
    await fx.client.dataObjects.rename(`${root}/small.txt`, `${root}/renamed.txt`);
    await fx.client.collections.rename(`${root}/sub`, `${root}/sub2`);
    assert.deepEqual((await fx.client.collections.list(root)).sort(), [
      `${root}/large.bin`,
      `${root}/renamed.txt`,
      `${root}/sub2`,
    ]);
    await fx.client.dataObjects.verifyChecksum(`${root}/large.bin`, result.sha2);
    assert.equal(await fx.client.dataObjects.remove(`${root}/renamed.txt`, REMOVAL.noTrash), true);
    assert.equal(await fx.client.collections.remove(`${root}/sub2`, { noTrash: true }), true);

    assert.ok(fx.client.counters.retries > retriesBefore, 'some requests were refused and retried');
    await fx.emulator.clearFaults();
    assert.equal((await fx.emulator.stats()).open_parallel_write_handles, 0);
    assert.equal(await fx.client.dataObjects.stat(`${root}/renamed.txt`), undefined);
  });

  it('gives up with a retryable IrodsError when every request is refused', async () => {
    const quick = await connect(fx.emulator, { maxAttempts: 3 });
    for (const status of [503, 500]) {
      await fx.emulator.setFaults({ failRate: 1, status });
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
    await fx.emulator.clearFaults();
    await quick.close();
  });

  it('finishes a multi-chunk upload through dropped connections, checksum intact', async () => {
    const root = testCollection('drops');
    await fx.client.collections.ensure(root);
    const content = patterned(3 * 1024 * 1024 + 17);
    const file = await localFile(fx.dir, 'drops', content);
    await fx.emulator.setFaults({ dropRate: 0.2 });
    const result = await fx.client.upload(file, `${root}/dropped.bin`, { chunkBytes: 256 * 1024 });
    const comparison = await fx.client.dataObjects.compareChecksum(
      `${root}/dropped.bin`,
      result.sha2,
    );
    await fx.emulator.clearFaults();
    assert.equal(result.mode, 'parallel');
    assert.equal(result.sha2, sha2(content));
    assert.equal(comparison.match, true);
    assert.equal((await fx.emulator.stats()).open_parallel_write_handles, 0);
  });

  it('falls back to sequential writes when parallel streams stay unavailable', async () => {
    const root = testCollection('fallback');
    await fx.client.collections.ensure(root);
    const content = patterned(500_000);
    const file = await localFile(fx.dir, 'fallback', content);
    await fx.emulator.setFaults({ failRate: 1, status: 503, ops: ['parallel_write_init'] });
    const result = await fx.client.upload(file, `${root}/seq.bin`, { chunkBytes: 64 * 1024 });
    await fx.emulator.clearFaults();
    assert.equal(result.mode, 'sequential');
    assert.deepEqual(await fx.client.dataObjects.read(`${root}/seq.bin`), content);
    assert.equal((await fx.emulator.stats()).open_parallel_write_handles, 0);
  });

  it('shuts the parallel-write handle down when the upload fails', async () => {
    const root = testCollection('failing');
    await fx.client.collections.ensure(root);
    const file = await localFile(fx.dir, 'failing', patterned(500_000));
    const quick = await connect(fx.emulator, { maxAttempts: 2 });
    await fx.emulator.setFaults({ failRate: 1, status: 500, ops: ['write'] });
    await assert.rejects(quick.upload(file, `${root}/broken.bin`, { chunkBytes: 64 * 1024 }), {
      op: 'write',
      retryable: true,
    });
    await fx.emulator.clearFaults();
    assert.equal((await fx.emulator.stats()).open_parallel_write_handles, 0);
    await quick.close();
  });

  it('rides out a listener that refuses connections for a moment', async () => {
    await fx.emulator.setFaults({ refuseForMs: 200 });
    const fresh = await connect(fx.emulator, { maxAttempts: 12 });
    assert.equal((await fresh.collections.stat('/tempZone/home/rods'))?.type, 'collection');
    assert.ok(fresh.counters.retries > 0, 'the first attempts were refused');
    await fresh.close();
  });
});
