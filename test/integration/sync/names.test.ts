/**
 * Names and tree shapes in one pass: names iRODS holds byte for byte, names that are not valid
 * UTF-8 (mapped, with the original bytes in an AVU; refused by register), an empty directory, a
 * 10-deep tree and a directory of many files spread over many batches.
 */
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { encodeRelPath } from '../../../src/core/entry.js';
import { ORIGINAL_NAME_ATTRIBUTE } from '../../../src/core/names.js';
import { ENTITY } from '../../../src/irods/index.js';
import { FailureStore } from '../../../src/state/index.js';
import type { Ingestd } from '../../helpers/ingestd.js';
import { startRedis, type TestRedis } from '../../helpers/redis.js';
import {
  countsOf,
  expected,
  namesIn,
  objectFacts,
  sha2,
  useSyncFixture,
  writeTree,
} from './fixture.js';

const PUT_TARGET = '/tempZone/home/rods/names/put';
const REG_TARGET = '/tempZone/home/rods/names/reg';
const KEY_PREFIX = 'names-test';

/** Names kept as they are, each with its own content. */
const ODD_NAMES = [
  'with space.txt',
  'plus+sign.txt',
  'hash#tag.txt',
  'percent%20.txt',
  'amp&and=eq;semi.txt',
  `quote'single"double.txt`,
  '日本語のファイル.txt',
  'Ελληνικά.txt',
  'файл.txt',
];
const ODD_DIR = `spaced dir +#%&=;'"`;
const DEPTH = 10;
const MANY = 130;

const latin1 = (text: string) => Buffer.from(text, 'latin1');
/** `bad\xff\xfe.bin` and `dir\xe9`: not valid UTF-8. */
const BAD_FILE = Buffer.concat([latin1('bad'), Buffer.from([0xff, 0xfe]), latin1('.bin')]);
const BAD_DIR = latin1('dir\u00e9');

const under = (root: string, ...elements: Buffer[]) =>
  Buffer.concat([Buffer.from(root), ...elements.flatMap((element) => [latin1('/'), element])]);

describe('sync of names and tree shapes', () => {
  const fx = useSyncFixture();
  let redis: TestRedis;
  let daemon: Ingestd;
  const deep = Array.from({ length: DEPTH }, (_, i) => `d${i + 1}`).join('/');

  before(async () => {
    redis = await startRedis();
    const put = await fx.tempDir('names-put-');
    const tree: Record<string, string> = {
      'empty/': '',
      [`${ODD_DIR}/inner.txt`]: 'inside the odd directory',
      [`${deep}/leaf.txt`]: 'ten levels down',
    };
    for (const name of ODD_NAMES) tree[name] = `content of ${name}`;
    for (let i = 0; i < MANY; i++) tree[`many/f${String(i).padStart(3, '0')}.txt`] = `file ${i}`;
    await writeTree(put, tree);
    await writeFile(under(put, BAD_FILE), 'bytes of a badly named file');
    await mkdir(under(put, BAD_DIR));
    await writeFile(under(put, BAD_DIR, latin1('ok.txt')), 'in a badly named directory');

    const reg = await fx.tempDir('names-reg-');
    await writeTree(reg, { 'ok.txt': 'fine' });
    await writeFile(under(reg, BAD_FILE), 'cannot be registered');

    daemon = await fx.daemon({
      redisUrl: redis.url,
      keyPrefix: KEY_PREFIX,
      jobs: [
        {
          name: 'put',
          source: put,
          target: PUT_TARGET,
          operation: 'put_sync',
          checksum: 'verify',
          files_per_task: 7,
        },
        { name: 'reg', source: reg, target: REG_TARGET, operation: 'register' },
      ],
    });
  });
  after(async () => {
    await daemon.stop();
    await redis.stop();
  });

  it('counts every entry of the tree as new', async () => {
    // 9 odd names, the odd directory and its file, the bad file, the bad directory and its
    // file, empty/, d1..d10 and the leaf, many/ and its files.
    const entries = ODD_NAMES.length + 2 + 1 + 2 + 1 + DEPTH + 1 + 1 + MANY;
    assert.deepEqual(
      countsOf(await daemon.passDone(1, 'put')),
      expected({
        seen: entries,
        new: entries,
      }),
    );
  });

  it('keeps names with spaces, + # % & = ; quotes and other scripts byte for byte', async () => {
    await daemon.passDone(1, 'put');
    const names = await namesIn(fx.client, PUT_TARGET);
    for (const name of [...ODD_NAMES, ODD_DIR]) assert.ok(names.includes(name), name);
    for (const name of ODD_NAMES) {
      const facts = await objectFacts(fx.client, `${PUT_TARGET}/${name}`);
      const content = `content of ${name}`;
      assert.equal(facts?.checksum, sha2(content), name);
      if (facts?.bytes !== undefined) assert.equal(facts.bytes.toString(), content, name);
      assert.deepEqual(facts?.avus, {}, `${name} needs no original-name AVU`);
    }
    const inner = await objectFacts(fx.client, `${PUT_TARGET}/${ODD_DIR}/inner.txt`);
    assert.equal(inner?.checksum, sha2('inside the odd directory'));
  });

  it('puts names that are not UTF-8 under a mapped name with the original bytes in an AVU', async () => {
    await daemon.passDone(1, 'put');
    const file = await objectFacts(
      fx.client,
      `${PUT_TARGET}/irods_ingest_${BAD_FILE.toString('base64url')}`,
    );
    assert.equal(file?.bytes?.toString(), 'bytes of a badly named file');
    assert.deepEqual(Buffer.from(file?.avus[ORIGINAL_NAME_ATTRIBUTE] ?? '', 'base64'), BAD_FILE);

    const dir = `${PUT_TARGET}/irods_ingest_${BAD_DIR.toString('base64url')}`;
    const dirAvus = await fx.client.metadata.list(ENTITY.collection, dir);
    assert.deepEqual(
      dirAvus.map((avu) => Buffer.from(avu.value, 'base64')),
      [BAD_DIR],
      'the collection keeps its original name too',
    );
    const inside = await objectFacts(fx.client, `${dir}/ok.txt`);
    assert.equal(inside?.bytes?.toString(), 'in a badly named directory');
    assert.deepEqual(
      Buffer.from(inside?.avus[ORIGINAL_NAME_ATTRIBUTE] ?? '', 'base64'),
      Buffer.concat([BAD_DIR, latin1('/ok.txt')]),
    );
  });

  it('makes an empty directory an empty collection', async () => {
    await daemon.passDone(1, 'put');
    assert.equal((await fx.client.collections.stat(`${PUT_TARGET}/empty`))?.type, 'collection');
    assert.deepEqual(await namesIn(fx.client, `${PUT_TARGET}/empty`), []);
  });

  it('follows a 10-deep tree to its leaf', async () => {
    await daemon.passDone(1, 'put');
    const leaf = await objectFacts(fx.client, `${PUT_TARGET}/${deep}/leaf.txt`);
    assert.equal(leaf?.bytes?.toString(), 'ten levels down');
  });

  it('puts every file of a directory larger than many batches', async () => {
    await daemon.passDone(1, 'put');
    const names = await namesIn(fx.client, `${PUT_TARGET}/many`);
    assert.equal(names.length, MANY);
    const last = await objectFacts(fx.client, `${PUT_TARGET}/many/f${MANY - 1}.txt`);
    assert.equal(last?.bytes?.toString(), `file ${MANY - 1}`);
  });

  it('lists a name that is not UTF-8 as failed with a reason under register', async () => {
    assert.deepEqual(
      countsOf(await daemon.passDone(1, 'reg')),
      expected({
        seen: 2,
        new: 1,
        failed: 1,
      }),
    );
    assert.ok(await fx.client.dataObjects.stat(`${REG_TARGET}/ok.txt`));
    const connection = new Redis({ path: redis.socketPath });
    try {
      const failures = new FailureStore(connection, KEY_PREFIX, 'reg');
      assert.equal(await failures.count(), 1);
      const failure = await failures.get(encodeRelPath(BAD_FILE));
      assert.equal(failure?.operation, 'register');
      assert.match(failure?.message ?? '', /not valid UTF-8/);
    } finally {
      connection.disconnect();
    }
  });
});
