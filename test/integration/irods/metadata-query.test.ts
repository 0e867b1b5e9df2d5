import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ENTITY, IrodsError } from '../../../src/irods/index.js';
import { useClientFixture, localFile, testCollection } from './setup.js';

describe('IrodsClient metadata and GenQuery', () => {
  const fx = useClientFixture();

  const sorted = <T extends { attribute: string; value: string }>(avus: T[]) =>
    [...avus].sort((a, b) =>
      `${a.attribute}=${a.value}`.localeCompare(`${b.attribute}=${b.value}`),
    );

  it('adds and removes AVUs on data objects and collections', async () => {
    const root = testCollection('avu');
    await fx.client.collections.ensure(root);
    const object = `${root}/obj`;
    await fx.client.upload(await localFile(fx.dir, 'obj', 'x'), object);
    await fx.client.metadata.add(ENTITY.dataObject, object, [
      { attribute: 'instrument', value: 'm1' },
      { attribute: 'run', value: '42', units: 'n' },
      { attribute: 'formula', value: 'a+b=c' },
    ]);
    assert.deepEqual(sorted(await fx.client.metadata.list(ENTITY.dataObject, object)), [
      { attribute: 'formula', value: 'a+b=c', units: '' },
      { attribute: 'instrument', value: 'm1', units: '' },
      { attribute: 'run', value: '42', units: 'n' },
    ]);
    await fx.client.metadata.remove(ENTITY.dataObject, object, [
      { attribute: 'run', value: '42', units: 'n' },
    ]);
    assert.deepEqual(await fx.client.metadata.list(ENTITY.dataObject, object, 'run'), []);

    await fx.client.metadata.add(ENTITY.collection, root, [{ attribute: 'project', value: 'p' }]);
    assert.deepEqual(await fx.client.metadata.list(ENTITY.collection, root), [
      { attribute: 'project', value: 'p', units: '' },
    ]);
  });

  it('sets an attribute to exactly one value in one batch', async () => {
    const root = testCollection('set');
    await fx.client.collections.ensure(root);
    const object = `${root}/obj`;
    await fx.client.upload(await localFile(fx.dir, 'set', 'x'), object);
    await fx.client.metadata.add(ENTITY.dataObject, object, [
      { attribute: 'state', value: 'old-1' },
      { attribute: 'state', value: 'old-2' },
      { attribute: 'other', value: 'kept' },
    ]);
    await fx.client.metadata.set(ENTITY.dataObject, object, 'state', 'new');
    assert.deepEqual(sorted(await fx.client.metadata.list(ENTITY.dataObject, object)), [
      { attribute: 'other', value: 'kept', units: '' },
      { attribute: 'state', value: 'new', units: '' },
    ]);
    const before = fx.client.counters.requests;
    await fx.client.metadata.set(ENTITY.dataObject, object, 'state', 'new');
    assert.equal(
      fx.client.counters.requests,
      before + 1,
      'an unchanged value costs only the lookup',
    );
  });

  it('applies nothing of a batch that fails', async () => {
    const root = testCollection('atomic');
    await fx.client.collections.ensure(root);
    const object = `${root}/obj`;
    await fx.client.upload(await localFile(fx.dir, 'atomic', 'x'), object);
    await assert.rejects(
      fx.client.metadata.add(ENTITY.dataObject, object, [
        { attribute: 'good', value: '1' },
        { attribute: 'bad', value: '' },
      ]),
      (err: unknown) => {
        assert.ok(err instanceof IrodsError);
        assert.equal(err.op, 'modify_metadata');
        assert.equal(err.httpStatus, 400);
        assert.equal(err.irodsName, 'SYS_INVALID_INPUT_PARAM');
        assert.equal(err.path, object);
        assert.equal(err.retryable, false);
        return true;
      },
    );
    assert.deepEqual(await fx.client.metadata.list(ENTITY.dataObject, object), []);
    await assert.rejects(
      fx.client.metadata.add(ENTITY.dataObject, `${root}/missing`, [
        { attribute: 'a', value: 'b' },
      ]),
      { irodsName: 'SYS_INVALID_INPUT_PARAM' },
    );
  });

  it('pages through more rows than the server returns at once', async () => {
    const root = testCollection('paging');
    await fx.client.collections.ensure(root);
    const file = await localFile(fx.dir, 'page', 'p');
    const names = Array.from({ length: 37 }, (_, i) => `f${String(i).padStart(2, '0')}`);
    for (const name of names) await fx.client.upload(file, `${root}/${name}`);
    const before = fx.client.counters.requests;
    const rows = await fx.client.query.rows({
      select: ['DATA_NAME', 'DATA_SIZE'],
      where: [{ column: 'COLL_NAME', op: '=', value: root }],
    });
    assert.deepEqual(rows.map((row) => row.DATA_NAME).sort(), names);
    assert.ok(rows.every((row) => row.DATA_SIZE === '1'));
    assert.equal(fx.client.counters.requests - before, 3, '15 + 15 + 7 rows');

    const small: string[] = [];
    for await (const row of fx.client.query.iterate({
      select: ['DATA_NAME'],
      where: [{ column: 'COLL_NAME', op: '=', value: root }],
      pageSize: 10,
    })) {
      small.push(row.DATA_NAME);
    }
    assert.equal(small.length, 37);
    const text = await fx.client.query.rowsText(`select DATA_NAME where COLL_NAME = '${root}'`);
    assert.equal(text.length, 37);
  });

  it('reports query errors with the server code', async () => {
    await assert.rejects(fx.client.query.rowsText('select NO_SUCH_COLUMN'), (err: unknown) => {
      assert.ok(err instanceof IrodsError);
      assert.equal(err.op, 'execute_genquery');
      assert.ok(err.irodsCode !== undefined && err.irodsCode < 0);
      return true;
    });
    await assert.rejects(fx.client.query.rowsText("select DATA_NAME where DATA_NAME = 'a+b'"), {
      code: 'IRODS_UNSUPPORTED',
    });
  });
});
