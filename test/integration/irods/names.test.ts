import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ENTITY, REMOVAL, type IrodsClient } from '../../../src/irods/index.js';
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

describe('IrodsClient with names that the HTTP API cannot take everywhere', () => {
  let emulator: TestEmulator;
  let client: IrodsClient;
  let dir: string;
  before(async () => {
    emulator = await startEmulator();
    client = await connect(emulator);
    dir = await localDir();
  });
  after(async () => {
    await client.close();
    await emulator.stop();
    await removeLocalDir(dir);
  });

  it('tells a+b.txt, a b.txt and a_b.txt apart in stat', async () => {
    const root = testCollection('plus');
    await client.collections.ensure(root);
    const contents = { 'a+b.txt': 'plus', 'a b.txt': 'space!', 'a_b.txt': 'underscore' };
    for (const [name, content] of Object.entries(contents)) {
      await client.upload(await localFile(dir, name, content), `${root}/${name}`);
    }
    for (const [name, content] of Object.entries(contents)) {
      const objectStat = await client.dataObjects.stat(`${root}/${name}`);
      assert.equal(objectStat?.path, `${root}/${name}`);
      assert.equal(objectStat?.size, content.length, name);
    }
    assert.equal(await client.dataObjects.stat(`${root}/a+c.txt`), undefined);
    assert.deepEqual((await client.collections.list(root)).sort(), [
      `${root}/a b.txt`,
      `${root}/a+b.txt`,
      `${root}/a_b.txt`,
    ]);
    assert.equal(await client.dataObjects.calculateChecksum(`${root}/a+b.txt`), sha2('plus'));
  });

  it('reaches collections with + through GenQuery: stat, list, recursive list', async () => {
    const root = testCollection('pluscoll');
    await client.collections.create(`${root}/x+y/inner+1`);
    await client.collections.create(`${root}/x y/decoy`);
    await client.collections.create(`${root}/x_y`);
    const file = await localFile(dir, 'p', 'p');
    await client.upload(file, `${root}/x+y/f+1.txt`);
    await client.upload(file, `${root}/x+y/inner+1/deep.txt`);
    await client.upload(file, `${root}/x y/decoy.txt`);
    assert.equal((await client.collections.stat(`${root}/x+y`))?.path, `${root}/x+y`);
    assert.equal(await client.collections.stat(`${root}/x+z`), undefined);
    assert.deepEqual(await client.collections.list(`${root}/x+y`), [
      `${root}/x+y/inner+1`,
      `${root}/x+y/f+1.txt`,
    ]);
    assert.deepEqual(await client.collections.list(`${root}/x+y`, { recursive: true }), [
      `${root}/x+y/inner+1`,
      `${root}/x+y/inner+1/deep.txt`,
      `${root}/x+y/f+1.txt`,
    ]);
    await client.collections.touch(`${root}/x+y`, 1_400_000_000);
    assert.equal((await client.collections.stat(`${root}/x+y`))?.modifiedAt, 1_400_000_000);
  });

  it('acts on + paths through POST ops: touch, metadata, rename, remove', async () => {
    const root = testCollection('plusops');
    await client.collections.ensure(root);
    const path = `${root}/c++.txt`;
    await client.upload(await localFile(dir, 'cpp', 'int main'), path);
    await client.dataObjects.touch(path, 1_300_000_000);
    assert.equal((await client.dataObjects.stat(path))?.modifiedAt, 1_300_000_000);
    await client.metadata.set(ENTITY.dataObject, path, 'lang+version', 'c++17');
    assert.deepEqual(await client.metadata.list(ENTITY.dataObject, path), [
      { attribute: 'lang+version', value: 'c++17', units: '' },
    ]);
    await client.dataObjects.rename(path, `${root}/d++.txt`);
    assert.equal(await client.dataObjects.stat(path), undefined);
    assert.equal(await client.dataObjects.remove(`${root}/d++.txt`, REMOVAL.noTrash), true);
    assert.equal(await client.dataObjects.stat(`${root}/d++.txt`), undefined);
  });

  it('refuses GET-only reads of + paths instead of reading another object', async () => {
    const root = testCollection('plusread');
    await client.collections.ensure(root);
    await assert.rejects(client.dataObjects.read(`${root}/a+b`), {
      code: 'IRODS_UNSUPPORTED',
      retryable: false,
    });
  });

  it('uploads to names that cannot travel in a header, small and multi-chunk', async () => {
    const root = testCollection('ctrl');
    await client.collections.ensure(root);
    const small = `${root}/line\nbreak.txt`;
    const smallResult = await client.upload(await localFile(dir, 'lb', 'small'), small);
    assert.equal(smallResult.mode, 'single');
    const big = `${root}/trailing space `;
    const content = patterned(200_000);
    const bigResult = await client.upload(await localFile(dir, 'ts', content), big, {
      chunkBytes: 64 * 1024,
    });
    assert.equal(bigResult.mode, 'parallel');
    assert.deepEqual((await client.collections.list(root)).sort(), [big, small].sort());
    assert.equal((await client.dataObjects.stat(small))?.size, 5);
    assert.deepEqual(await client.dataObjects.read(big), content);
  });

  it('writes non-ASCII names as UTF-8', async () => {
    const root = testCollection('utf8');
    await client.collections.ensure(root);
    const path = `${root}/Ünïcødé 漢字 #%&=;.txt`;
    await client.upload(await localFile(dir, 'u', 'unicode'), path);
    assert.deepEqual(await client.collections.list(root), [path]);
    assert.equal((await client.dataObjects.read(path)).toString(), 'unicode');
  });
});
