import assert from 'node:assert/strict';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { IrodsError, REMOVAL } from '../../../src/irods/index.js';
import { useClientFixture, localFile, patterned, sha2, testCollection } from './setup.js';

describe('IrodsClient data objects', () => {
  const fx = useClientFixture();

  it('uploads a small file in one request and reads the same bytes back', async () => {
    const root = testCollection('small');
    await fx.client.collections.ensure(root);
    const file = await localFile(fx.dir, 'small', 'some data');
    const result = await fx.client.upload(file, `${root}/small.txt`);
    assert.deepEqual(result, {
      size: 9,
      bytesSent: 9,
      sha2: 'sha2:EweZDmulyhRes16ZGCqb7EZTG8VN32VqYCx4D6AkDe4=',
      mode: 'single',
    });
    assert.equal((await fx.client.dataObjects.read(`${root}/small.txt`)).toString(), 'some data');
    const objectStat = await fx.client.dataObjects.stat(`${root}/small.txt`);
    assert.equal(objectStat?.size, 9);
    assert.equal(objectStat?.checksum, '');
  });

  it('uploads an empty file as an empty object', async () => {
    const root = testCollection('empty');
    await fx.client.collections.ensure(root);
    const result = await fx.client.upload(await localFile(fx.dir, 'empty', ''), `${root}/empty`);
    assert.equal(result.mode, 'single');
    assert.equal((await fx.client.dataObjects.stat(`${root}/empty`))?.size, 0);
  });

  it('uploads a multi-chunk file through parallel streams, byte for byte', async () => {
    const root = testCollection('parallel');
    await fx.client.collections.ensure(root);
    const content = patterned(1_000_000 + 123);
    const file = await localFile(fx.dir, 'parallel', content);
    const result = await fx.client.upload(file, `${root}/big.bin`, { chunkBytes: 64 * 1024 });
    assert.equal(result.mode, 'parallel');
    assert.equal(result.sha2, sha2(content));
    assert.deepEqual(await fx.client.dataObjects.read(`${root}/big.bin`), content);
    assert.deepEqual(await fx.client.dataObjects.compareChecksum(`${root}/big.bin`, result.sha2), {
      irods: sha2(content),
      local: sha2(content),
      match: true,
    });
    assert.equal((await fx.emulator.stats()).open_parallel_write_handles, 0);
  });

  it('replaces the content of an existing object on upload', async () => {
    const root = testCollection('replace');
    await fx.client.collections.ensure(root);
    await fx.client.upload(await localFile(fx.dir, 'long', 'a much longer content'), `${root}/x`);
    await fx.client.upload(await localFile(fx.dir, 'short', 'short'), `${root}/x`);
    assert.equal((await fx.client.dataObjects.read(`${root}/x`)).toString(), 'short');
  });

  it('appends only the new bytes and returns the checksum of the whole file', async () => {
    const root = testCollection('append');
    await fx.client.collections.ensure(root);
    const path = join(fx.dir, 'growing');
    await writeFile(path, 'hello ');
    await fx.client.upload(path, `${root}/log`);
    await writeFile(path, 'hello world, more lines');
    const result = await fx.client.append(path, `${root}/log`, 6);
    assert.equal(result.bytesSent, 17);
    assert.equal(result.sha2, sha2('hello world, more lines'));
    assert.equal(
      (await fx.client.dataObjects.read(`${root}/log`)).toString(),
      'hello world, more lines',
    );
    // A larger append goes through parallel streams, still in place.
    const big = Buffer.concat([Buffer.from('hello world, more lines'), patterned(300_000)]);
    await writeFile(path, big);
    const second = await fx.client.append(path, `${root}/log`, 23, { chunkBytes: 50_000 });
    assert.equal(second.mode, 'parallel');
    assert.deepEqual(await fx.client.dataObjects.read(`${root}/log`), big);
    await fx.client.dataObjects.verifyChecksum(`${root}/log`, second.sha2);
  });

  it('sets the mtime with touch without creating anything', async () => {
    const root = testCollection('touch');
    await fx.client.collections.ensure(root);
    await fx.client.upload(await localFile(fx.dir, 't', 'x'), `${root}/t`);
    await fx.client.dataObjects.touch(`${root}/t`, 1_600_000_000);
    assert.equal((await fx.client.dataObjects.stat(`${root}/t`))?.modifiedAt, 1_600_000_000);
    await fx.client.dataObjects.touch(`${root}/absent`, 1_600_000_000);
    assert.equal(await fx.client.dataObjects.stat(`${root}/absent`), undefined);
    await assert.rejects(fx.client.dataObjects.touch(`${root}/t`, 2 ** 31), {
      code: 'IRODS_UNSUPPORTED',
      retryable: false,
    });
  });

  it('computes checksums and tells a mismatch', async () => {
    const root = testCollection('checksum');
    await fx.client.collections.ensure(root);
    await fx.client.upload(await localFile(fx.dir, 'c', 'different data'), `${root}/c`);
    assert.equal(
      await fx.client.dataObjects.calculateChecksum(`${root}/c`, { force: true }),
      'sha2:YIoGizPRi+g4vLB77QHjVSHTCED6JNsJGS5nv9GG5iE=',
    );
    assert.equal((await fx.client.dataObjects.stat(`${root}/c`))?.checksum, sha2('different data'));
    const comparison = await fx.client.dataObjects.compareChecksum(`${root}/c`, sha2('some data'));
    assert.equal(comparison.match, false);
    await assert.rejects(fx.client.dataObjects.verifyChecksum(`${root}/c`, sha2('some data')), {
      code: 'IRODS_CHECKSUM_MISMATCH',
      retryable: true,
    });
    await assert.rejects(
      fx.client.dataObjects.calculateChecksum(`${root}/missing`),
      (err: unknown) => {
        assert.ok(err instanceof IrodsError);
        assert.equal(err.irodsCode, -808000);
        assert.equal(err.irodsName, 'CAT_NO_ROWS_FOUND');
        assert.equal(err.op, 'calculate_checksum');
        assert.equal(err.path, `${root}/missing`);
        assert.equal(err.retryable, false);
        return true;
      },
    );
  });

  it('registers a file in place, with its size and a server-side checksum', async () => {
    const root = testCollection('register');
    await fx.client.collections.ensure(root);
    const physical = await localFile(fx.dir, 'registered', 'some data');
    await fx.client.dataObjects.register(`${root}/reg`, {
      physicalPath: physical,
      resource: 'demoResc',
      dataSize: 9,
      checksum: true,
    });
    const objectStat = await fx.client.dataObjects.stat(`${root}/reg`);
    assert.equal(objectStat?.size, 9);
    assert.equal(objectStat?.checksum, sha2('some data'));
    const rows = await fx.client.query.rows({
      select: ['DATA_PATH', 'RESC_NAME'],
      where: [
        { column: 'COLL_NAME', op: '=', value: root },
        { column: 'DATA_NAME', op: '=', value: 'reg' },
      ],
    });
    assert.deepEqual(rows, [{ DATA_PATH: physical, RESC_NAME: 'demoResc' }]);
    await assert.rejects(
      fx.client.dataObjects.register(`${root}/reg`, {
        physicalPath: physical,
        resource: 'demoResc',
      }),
      IrodsError,
    );
  });

  it('unregisters, trashes and deletes, and a repeated remove finds nothing', async () => {
    const root = testCollection('remove');
    await fx.client.collections.ensure(root);
    const physical = await localFile(fx.dir, 'keep-me', 'kept');
    await fx.client.dataObjects.register(`${root}/reg`, {
      physicalPath: physical,
      resource: 'demoResc',
    });
    assert.equal(await fx.client.dataObjects.remove(`${root}/reg`, REMOVAL.unregister), true);
    assert.equal(await fx.client.dataObjects.stat(`${root}/reg`), undefined);
    assert.equal(await readFile(physical, 'utf8'), 'kept');

    const file = await localFile(fx.dir, 'r', 'x');
    for (const removal of [REMOVAL.trash, REMOVAL.noTrash]) {
      await fx.client.upload(file, `${root}/${removal}`);
      assert.equal(await fx.client.dataObjects.remove(`${root}/${removal}`, removal), true);
      assert.equal(await fx.client.dataObjects.stat(`${root}/${removal}`), undefined);
      assert.equal(await fx.client.dataObjects.remove(`${root}/${removal}`, removal), false);
    }
    const trashed = await fx.client.query.rows({
      select: ['COLL_NAME'],
      where: [{ column: 'DATA_NAME', op: '=', value: 'trash' }],
    });
    assert.ok(trashed.some((row) => row.COLL_NAME.startsWith('/tempZone/trash/')));
  });

  it('renames a data object and refuses to rename onto an existing one', async () => {
    const root = testCollection('rename');
    await fx.client.collections.ensure(root);
    const file = await localFile(fx.dir, 'n', 'named');
    await fx.client.upload(file, `${root}/old`);
    await fx.client.dataObjects.rename(`${root}/old`, `${root}/new`);
    assert.equal(await fx.client.dataObjects.stat(`${root}/old`), undefined);
    assert.equal((await fx.client.dataObjects.read(`${root}/new`)).toString(), 'named');
    await fx.client.upload(file, `${root}/other`);
    await assert.rejects(
      fx.client.dataObjects.rename(`${root}/other`, `${root}/new`),
      (err: unknown) => {
        assert.ok(err instanceof IrodsError);
        assert.equal(err.op, 'rename');
        assert.ok(err.irodsCode !== undefined && err.irodsCode < 0);
        assert.equal(err.retryable, false);
        return true;
      },
    );
  });

  it('reports a read of a missing object as HTTP 404 with its path', async () => {
    const path = `${testCollection('read')}/missing`;
    await assert.rejects(fx.client.dataObjects.read(path), (err: unknown) => {
      assert.ok(err instanceof IrodsError);
      assert.equal(err.httpStatus, 404);
      assert.equal(err.code, 'IRODS_HTTP_STATUS');
      assert.equal(err.path, path);
      assert.equal(err.retryable, false);
      assert.equal(err.message, `read of data object ${path} failed: HTTP 404`);
      return true;
    });
  });

  it('fails an upload into a missing collection with the server code', async () => {
    const file = await localFile(fx.dir, 'orphan', 'x');
    const path = `${testCollection('missing-parent')}/x`;
    await assert.rejects(fx.client.upload(file, path), (err: unknown) => {
      assert.ok(err instanceof IrodsError);
      assert.equal(err.code, 'IRODS_STATUS');
      assert.equal(err.op, 'write');
      assert.ok(['INVALID_HANDLE', 'OBJ_PATH_DOES_NOT_EXIST'].includes(err.irodsName ?? ''));
      assert.equal(err.retryable, false);
      return true;
    });
    assert.ok((await stat(file)).size === 1);
  });
});
