import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { IrodsError, type IrodsClient } from '../../../src/irods/index.js';
import { startEmulator, type TestEmulator } from '../../helpers/emulator.js';
import { connect, localDir, localFile, removeLocalDir, testCollection } from './setup.js';

describe('IrodsClient collections', () => {
  let emulator: TestEmulator;
  let client: IrodsClient;
  before(async () => {
    emulator = await startEmulator();
    client = await connect(emulator);
  });
  after(async () => {
    await client.close();
    await emulator.stop();
  });

  it('creates missing intermediates and remembers what exists', async () => {
    const root = testCollection('create');
    assert.equal(await client.collections.create(`${root}/a/b/c`), true);
    assert.equal((await client.collections.stat(`${root}/a`))?.type, 'collection');
    assert.equal(await client.collections.create(`${root}/a/b/c`), false);
    const before = client.counters.requests;
    await client.collections.ensure(`${root}/a/b/c`);
    await client.collections.ensure(`${root}/a`);
    assert.equal(client.counters.requests, before, 'cached collections cost no request');
  });

  it('refuses to treat a data object as an existing collection', async () => {
    const root = testCollection('clash');
    await client.collections.create(root);
    const dir = await localDir();
    await client.upload(await localFile(dir, 'x', 'x'), `${root}/object`);
    await removeLocalDir(dir);
    await assert.rejects(client.collections.create(`${root}/object`), {
      code: 'IRODS_NO_EFFECT',
      path: `${root}/object`,
    });
  });

  it('stats a collection and reports a missing one as undefined', async () => {
    const root = testCollection('stat');
    await client.collections.create(root);
    const stat = await client.collections.stat(root);
    assert.equal(stat?.type, 'collection');
    assert.equal(stat?.inheritanceEnabled, false);
    assert.ok(stat?.permissions?.some((p) => p.name === 'rods' && p.perm === 'own'));
    assert.equal(await client.collections.stat(`${root}/nope`), undefined);
  });

  it('lists entries, recursively too, and an empty collection as []', async () => {
    const root = testCollection('list');
    const dir = await localDir();
    const file = await localFile(dir, 'f', 'content');
    await client.collections.create(`${root}/sub/deeper`);
    await client.upload(file, `${root}/top.txt`);
    await client.upload(file, `${root}/sub/inner.txt`);
    await removeLocalDir(dir);
    assert.deepEqual((await client.collections.list(root)).sort(), [
      `${root}/sub`,
      `${root}/top.txt`,
    ]);
    assert.deepEqual((await client.collections.list(root, { recursive: true })).sort(), [
      `${root}/sub`,
      `${root}/sub/deeper`,
      `${root}/sub/inner.txt`,
      `${root}/top.txt`,
    ]);
    assert.deepEqual(await client.collections.list(`${root}/sub/deeper`), []);
    await assert.rejects(client.collections.list(`${root}/top.txt`), (err: unknown) => {
      assert.ok(err instanceof IrodsError);
      assert.equal(err.irodsName, 'NOT_A_COLLECTION');
      assert.equal(err.op, 'list');
      assert.equal(err.path, `${root}/top.txt`);
      assert.equal(err.retryable, false);
      return true;
    });
  });

  it('removes a collection tree, and a second remove finds nothing', async () => {
    const root = testCollection('remove');
    await client.collections.create(`${root}/a/b`);
    assert.equal(
      await client.collections.remove(`${root}/a`, { recursive: true, noTrash: true }),
      true,
    );
    assert.equal(await client.collections.stat(`${root}/a`), undefined);
    assert.equal(
      await client.collections.remove(`${root}/a`, { recursive: true, noTrash: true }),
      false,
    );
    // The cache forgot it: ensure creates it again.
    await client.collections.ensure(`${root}/a/b`);
    assert.equal((await client.collections.stat(`${root}/a/b`))?.type, 'collection');
  });

  it('refuses to remove a non-empty collection without recursion', async () => {
    const root = testCollection('nonempty');
    await client.collections.create(`${root}/child`);
    await assert.rejects(client.collections.remove(root), (err: unknown) => {
      assert.ok(err instanceof IrodsError);
      assert.equal(err.irodsName, 'SYS_COLLECTION_NOT_EMPTY');
      assert.match(
        err.message,
        /^removal of collection .* failed: SYS_COLLECTION_NOT_EMPTY \(-79000\)/,
      );
      return true;
    });
  });

  it('renames a collection with its contents', async () => {
    const root = testCollection('rename');
    await client.collections.create(`${root}/old/inner`);
    await client.collections.rename(`${root}/old`, `${root}/new`);
    assert.equal(await client.collections.stat(`${root}/old`), undefined);
    assert.equal((await client.collections.stat(`${root}/new/inner`))?.type, 'collection');
  });

  it('sets a collection mtime', async () => {
    const root = testCollection('touch');
    await client.collections.create(root);
    await client.collections.touch(root, 1_500_000_000);
    assert.equal((await client.collections.stat(root))?.modifiedAt, 1_500_000_000);
  });
});
