import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { IrodsError } from '../../../src/irods/index.js';
import { localFile, testCollection, useClientFixture } from './setup.js';

describe('IrodsClient collections', () => {
  const fx = useClientFixture();

  it('creates missing intermediates and remembers what exists', async () => {
    const root = testCollection('create');
    assert.equal(await fx.client.collections.create(`${root}/a/b/c`), true);
    assert.equal((await fx.client.collections.stat(`${root}/a`))?.type, 'collection');
    assert.equal(await fx.client.collections.create(`${root}/a/b/c`), false);
    const before = fx.client.counters.requests;
    await fx.client.collections.ensure(`${root}/a/b/c`);
    await fx.client.collections.ensure(`${root}/a`);
    assert.equal(fx.client.counters.requests, before, 'cached collections cost no request');
  });

  it('refuses to treat a data object as an existing collection', async () => {
    const root = testCollection('clash');
    await fx.client.collections.create(root);
    await fx.client.upload(await localFile(fx.dir, 'x', 'x'), `${root}/object`);
    await assert.rejects(fx.client.collections.create(`${root}/object`), {
      code: 'IRODS_NO_EFFECT',
      path: `${root}/object`,
    });
  });

  it('stats a collection and reports a missing one as undefined', async () => {
    const root = testCollection('stat');
    await fx.client.collections.create(root);
    const stat = await fx.client.collections.stat(root);
    assert.equal(stat?.type, 'collection');
    assert.equal(stat?.inheritanceEnabled, false);
    assert.ok(stat?.permissions?.some((p) => p.name === 'rods' && p.perm === 'own'));
    assert.equal(await fx.client.collections.stat(`${root}/nope`), undefined);
  });

  it('lists entries, recursively too, and an empty collection as []', async () => {
    const root = testCollection('list');
    const file = await localFile(fx.dir, 'f', 'content');
    await fx.client.collections.create(`${root}/sub/deeper`);
    await fx.client.upload(file, `${root}/top.txt`);
    await fx.client.upload(file, `${root}/sub/inner.txt`);
    assert.deepEqual((await fx.client.collections.list(root)).sort(), [
      `${root}/sub`,
      `${root}/top.txt`,
    ]);
    assert.deepEqual((await fx.client.collections.list(root, { recursive: true })).sort(), [
      `${root}/sub`,
      `${root}/sub/deeper`,
      `${root}/sub/inner.txt`,
      `${root}/top.txt`,
    ]);
    assert.deepEqual(await fx.client.collections.list(`${root}/sub/deeper`), []);
    await assert.rejects(fx.client.collections.list(`${root}/top.txt`), (err: unknown) => {
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
    await fx.client.collections.create(`${root}/a/b`);
    assert.equal(
      await fx.client.collections.remove(`${root}/a`, { recursive: true, noTrash: true }),
      true,
    );
    assert.equal(await fx.client.collections.stat(`${root}/a`), undefined);
    assert.equal(
      await fx.client.collections.remove(`${root}/a`, { recursive: true, noTrash: true }),
      false,
    );
    // The cache forgot it: ensure creates it again.
    await fx.client.collections.ensure(`${root}/a/b`);
    assert.equal((await fx.client.collections.stat(`${root}/a/b`))?.type, 'collection');
  });

  it('refuses to remove a non-empty collection without recursion', async () => {
    const root = testCollection('nonempty');
    await fx.client.collections.create(`${root}/child`);
    await assert.rejects(fx.client.collections.remove(root), (err: unknown) => {
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
    await fx.client.collections.create(`${root}/old/inner`);
    await fx.client.collections.rename(`${root}/old`, `${root}/new`);
    assert.equal(await fx.client.collections.stat(`${root}/old`), undefined);
    assert.equal((await fx.client.collections.stat(`${root}/new/inner`))?.type, 'collection');
  });

  it('sets a collection mtime', async () => {
    const root = testCollection('touch');
    await fx.client.collections.create(root);
    await fx.client.collections.touch(root, 1_500_000_000);
    assert.equal((await fx.client.collections.stat(root))?.modifiedAt, 1_500_000_000);
  });
});
