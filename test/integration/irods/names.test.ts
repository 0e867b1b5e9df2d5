import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ENTITY, REMOVAL } from '../../../src/irods/index.js';
import { useClientFixture, localFile, patterned, sha2, testCollection } from './setup.js';

describe('IrodsClient with names that the HTTP API cannot take everywhere', () => {
  const fx = useClientFixture();

  it('tells a+b.txt, a b.txt and a_b.txt apart in stat', async () => {
    const root = testCollection('plus');
    await fx.client.collections.ensure(root);
    const contents = { 'a+b.txt': 'plus', 'a b.txt': 'space!', 'a_b.txt': 'underscore' };
    for (const [name, content] of Object.entries(contents)) {
      await fx.client.upload(await localFile(fx.dir, name, content), `${root}/${name}`);
    }
    for (const [name, content] of Object.entries(contents)) {
      const objectStat = await fx.client.dataObjects.stat(`${root}/${name}`);
      assert.equal(objectStat?.path, `${root}/${name}`);
      assert.equal(objectStat?.size, content.length, name);
    }
    assert.equal(await fx.client.dataObjects.stat(`${root}/a+c.txt`), undefined);
    assert.deepEqual((await fx.client.collections.list(root)).sort(), [
      `${root}/a b.txt`,
      `${root}/a+b.txt`,
      `${root}/a_b.txt`,
    ]);
    assert.equal(await fx.client.dataObjects.calculateChecksum(`${root}/a+b.txt`), sha2('plus'));
  });

  it('reaches collections with + through GenQuery: stat, list, recursive list', async () => {
    const root = testCollection('pluscoll');
    await fx.client.collections.create(`${root}/x+y/inner+1`);
    await fx.client.collections.create(`${root}/x y/decoy`);
    await fx.client.collections.create(`${root}/x_y`);
    const file = await localFile(fx.dir, 'p', 'p');
    await fx.client.upload(file, `${root}/x+y/f+1.txt`);
    await fx.client.upload(file, `${root}/x+y/inner+1/deep.txt`);
    await fx.client.upload(file, `${root}/x y/decoy.txt`);
    assert.equal((await fx.client.collections.stat(`${root}/x+y`))?.path, `${root}/x+y`);
    assert.equal(await fx.client.collections.stat(`${root}/x+z`), undefined);
    assert.deepEqual(await fx.client.collections.list(`${root}/x+y`), [
      `${root}/x+y/inner+1`,
      `${root}/x+y/f+1.txt`,
    ]);
    assert.deepEqual(await fx.client.collections.list(`${root}/x+y`, { recursive: true }), [
      `${root}/x+y/inner+1`,
      `${root}/x+y/inner+1/deep.txt`,
      `${root}/x+y/f+1.txt`,
    ]);
    await fx.client.collections.touch(`${root}/x+y`, 1_400_000_000);
    assert.equal((await fx.client.collections.stat(`${root}/x+y`))?.modifiedAt, 1_400_000_000);
  });

  it('acts on + paths through POST ops: touch, metadata, rename, remove', async () => {
    const root = testCollection('plusops');
    await fx.client.collections.ensure(root);
    const path = `${root}/c++.txt`;
    await fx.client.upload(await localFile(fx.dir, 'cpp', 'int main'), path);
    await fx.client.dataObjects.touch(path, 1_300_000_000);
    assert.equal((await fx.client.dataObjects.stat(path))?.modifiedAt, 1_300_000_000);
    await fx.client.metadata.set(ENTITY.dataObject, path, 'lang+version', 'c++17');
    assert.deepEqual(await fx.client.metadata.list(ENTITY.dataObject, path), [
      { attribute: 'lang+version', value: 'c++17', units: '' },
    ]);
    await fx.client.dataObjects.rename(path, `${root}/d++.txt`);
    assert.equal(await fx.client.dataObjects.stat(path), undefined);
    assert.equal(await fx.client.dataObjects.remove(`${root}/d++.txt`, REMOVAL.noTrash), true);
    assert.equal(await fx.client.dataObjects.stat(`${root}/d++.txt`), undefined);
  });

  it('refuses GET-only reads of + paths instead of reading another object', async () => {
    const root = testCollection('plusread');
    await fx.client.collections.ensure(root);
    await assert.rejects(fx.client.dataObjects.read(`${root}/a+b`), {
      code: 'IRODS_UNSUPPORTED',
      retryable: false,
    });
  });

  it('uploads to names that cannot travel in a header, small and multi-chunk', async () => {
    const root = testCollection('ctrl');
    await fx.client.collections.ensure(root);
    const small = `${root}/line\nbreak.txt`;
    const smallResult = await fx.client.upload(await localFile(fx.dir, 'lb', 'small'), small);
    assert.equal(smallResult.mode, 'single');
    const big = `${root}/trailing space `;
    const content = patterned(200_000);
    const bigResult = await fx.client.upload(await localFile(fx.dir, 'ts', content), big, {
      chunkBytes: 64 * 1024,
    });
    assert.equal(bigResult.mode, 'parallel');
    assert.deepEqual((await fx.client.collections.list(root)).sort(), [big, small].sort());
    assert.equal((await fx.client.dataObjects.stat(small))?.size, 5);
    assert.deepEqual(await fx.client.dataObjects.read(big), content);
  });

  it('writes non-ASCII names as UTF-8', async () => {
    const root = testCollection('utf8');
    await fx.client.collections.ensure(root);
    const path = `${root}/Ünïcødé 漢字 #%&=;.txt`;
    await fx.client.upload(await localFile(fx.dir, 'u', 'unicode'), path);
    assert.deepEqual(await fx.client.collections.list(root), [path]);
    assert.equal((await fx.client.dataObjects.read(path)).toString(), 'unicode');
  });
});
