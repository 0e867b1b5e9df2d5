/**
 * DataObjects.replicaFacts: the catalog's replicas of many data objects in few requests (one
 * GenQuery per collection and page of rows), with names that cannot stand in a GenQuery literal
 * looked up alone.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GOOD_REPLICA } from '../../../src/irods/index.js';
import { localFile, sha2, testCollection, useClientFixture } from './setup.js';

describe('replica facts of many data objects', () => {
  const fx = useClientFixture();

  it('answers for every path: its replicas, or none, in few requests', async () => {
    const one = testCollection('facts-a');
    const two = testCollection('facts-b');
    // More names than one query takes (3000 characters) and than one page holds (15 rows).
    const names = Array.from({ length: 40 }, (_, i) => `file-${i}-${'x'.repeat(100)}.dat`);
    for (const collection of [one, two]) {
      await fx.client.collections.ensure(collection);
      for (const name of names.slice(0, 20)) {
        await fx.client.upload(await localFile(fx.dir, 'f', name), `${collection}/${name}`);
      }
    }
    await fx.client.upload(await localFile(fx.dir, 'plus', 'plus'), `${one}/a+b 'q'.txt`);
    await fx.client.dataObjects.calculateChecksum(`${one}/${names[0]}`);
    const paths = [
      ...names.map((name) => `${one}/${name}`),
      `${two}/${names[3]}`,
      `${one}/a+b 'q'.txt`,
    ];
    const before = (await fx.emulator.stats()).requests!;
    const facts = await fx.client.dataObjects.replicaFacts(paths);
    const requests = (await fx.emulator.stats()).requests! - before;

    assert.deepEqual([...facts.keys()], paths);
    const first = facts.get(`${one}/${names[0]}`);
    assert.equal(first?.length, 1);
    assert.equal(first?.[0]?.status, GOOD_REPLICA);
    assert.equal(first?.[0]?.size, names[0]!.length);
    assert.equal(first?.[0]?.checksum, sha2(names[0]!));
    assert.equal(facts.get(`${one}/${names[1]}`)?.[0]?.checksum, '', 'none computed yet');
    for (const name of names.slice(20)) assert.deepEqual(facts.get(`${one}/${name}`), []);
    assert.equal(facts.get(`${two}/${names[3]}`)?.[0]?.size, names[3]!.length);
    assert.equal(facts.get(`${one}/a+b 'q'.txt`)?.[0]?.size, 4);
    // 40 names of ~110 characters: two queries of one collection (2 pages each), one of the
    // other, and the name with '+' and quotes alone.
    assert.ok(requests <= 6, `${requests} requests for ${paths.length} paths`);
  });
});

describe('replica facts of objects with odd names', () => {
  const fx = useClientFixture();

  it('finds each by its exact name', async () => {
    const collection = testCollection('facts-odd');
    await fx.client.collections.ensure(collection);
    const names = [
      'tab\there',
      'per%cent_under',
      'comma, (paren) "quoted"',
      'ünïcödé 名前',
      '#&=;?',
      'a_c',
      'abc',
    ];
    for (const name of names) {
      await fx.client.upload(await localFile(fx.dir, 'odd', name), `${collection}/${name}`);
    }
    const facts = await fx.client.dataObjects.replicaFacts([
      ...names.map((name) => `${collection}/${name}`),
      `${collection}/a%c`,
    ]);
    for (const name of names) {
      const replicas = facts.get(`${collection}/${name}`);
      assert.equal(replicas?.length, 1, name);
      assert.equal(replicas?.[0]?.size, Buffer.byteLength(name), name);
    }
    assert.deepEqual(facts.get(`${collection}/a%c`), [], 'no wildcard match');
  });
});
