import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ADMIN_HOME, emptyError, ok, parse, unique, type Reply, type Session } from './http.js';
import { useEmulatorSession } from './session.js';

// Spec §5.1.10 and §5.2.12 (atomic AVU batches) and §8 item 20.

const fx = useEmulatorSession({ user: 'tagger' });

const batchOk = '{"irods_response":{"failed_operation":{},"status_code":0}}';

interface Avu {
  operation: string;
  attribute: string;
  value: string;
  units?: string;
}

function modify(
  session: Session,
  route: '/data-objects' | '/collections',
  lpath: string,
  operations: Avu[] | string,
  admin?: number,
): Promise<Reply> {
  return session.postMultipart(route, {
    op: 'modify_metadata',
    lpath,
    operations: typeof operations === 'string' ? operations : JSON.stringify(operations),
    ...(admin === undefined ? {} : { admin }),
  });
}

async function newObject(prefix: string): Promise<{ lpath: string; name: string }> {
  const name = unique(prefix);
  const lpath = `${ADMIN_HOME}/${name}`;
  await fx.rods.put(lpath, 'tagged');
  return { lpath, name };
}

async function objectAvus(name: string): Promise<string[][]> {
  const rows = await fx.rods.rows(
    'select META_DATA_ATTR_NAME, META_DATA_ATTR_VALUE, META_DATA_ATTR_UNITS ' +
      `where COLL_NAME = '${ADMIN_HOME}' and DATA_NAME = '${name}'`,
  );
  return rows.sort((a, b) => a.join('\0').localeCompare(b.join('\0')));
}

function failure(reply: Reply, expectedCode: number): Record<string, unknown> {
  assert.equal(reply.status, 400, reply.text);
  const body = parse(reply);
  assert.equal(body.irods_response.status_code, expectedCode);
  return body.irods_response.failed_operation as Record<string, unknown>;
}

describe('modify_metadata on data objects (§5.1.10, §5.2.12)', () => {
  it('adds and removes AVUs, answering with an empty failed_operation', async () => {
    const { lpath, name } = await newObject('avu');
    const added = await modify(fx.rods, '/data-objects', lpath, [
      { operation: 'add', attribute: 'ingest.source', value: 'host:/path' },
      { operation: 'add', attribute: 'size', value: '10', units: 'bytes' },
    ]);
    assert.equal(added.status, 200);
    assert.equal(added.text, batchOk);
    assert.deepEqual(await objectAvus(name), [
      ['ingest.source', 'host:/path', ''],
      ['size', '10', 'bytes'],
    ]);
    const removed = await modify(fx.rods, '/data-objects', lpath, [
      { operation: 'remove', attribute: 'size', value: '10', units: 'bytes' },
    ]);
    assert.equal(removed.text, batchOk);
    assert.deepEqual(await objectAvus(name), [['ingest.source', 'host:/path', '']]);
  });

  it('treats a repeated add and a remove of an absent AVU as successful no-ops', async () => {
    const { lpath, name } = await newObject('idempotent');
    const avu = { operation: 'add', attribute: 'a', value: '1' };
    ok(await modify(fx.rods, '/data-objects', lpath, [avu]));
    assert.equal((await modify(fx.rods, '/data-objects', lpath, [avu, avu])).text, batchOk);
    assert.deepEqual(await objectAvus(name), [['a', '1', '']]);
    const absent = [{ operation: 'remove', attribute: 'a', value: '2' }];
    assert.equal((await modify(fx.rods, '/data-objects', lpath, absent)).text, batchOk);
    assert.deepEqual(await objectAvus(name), [['a', '1', '']]);
  });

  it('matches units exactly when removing', async () => {
    const { lpath, name } = await newObject('units');
    ok(
      await modify(fx.rods, '/data-objects', lpath, [
        { operation: 'add', attribute: 'u', value: '1', units: 'm' },
      ]),
    );
    ok(
      await modify(fx.rods, '/data-objects', lpath, [
        { operation: 'remove', attribute: 'u', value: '1' },
      ]),
    );
    assert.deepEqual(await objectAvus(name), [['u', '1', 'm']]);
  });

  it('has no set: the batch fails with -1811000 naming the entry, and nothing is applied', async () => {
    const { lpath, name } = await newObject('no-set');
    const set = { operation: 'set', attribute: 'b', value: '2' };
    const reply = await modify(fx.rods, '/data-objects', lpath, [
      { operation: 'add', attribute: 'a', value: '1' },
      set,
    ]);
    const failed = failure(reply, -1811000);
    assert.equal(failed.operation_index, 1);
    assert.deepEqual(failed.operation, set);
    assert.equal(typeof failed.error_message, 'string');
    assert.deepEqual(await objectAvus(name), []);
  });

  it('rolls the whole batch back when an entry has an empty attribute or value', async () => {
    const { lpath, name } = await newObject('empty-parts');
    for (const bad of [
      { operation: 'add', attribute: '', value: 'v' },
      { operation: 'add', attribute: 'k', value: '' },
    ]) {
      const reply = await modify(fx.rods, '/data-objects', lpath, [
        { operation: 'add', attribute: 'first', value: '1' },
        bad,
      ]);
      assert.equal(failure(reply, -130000).operation_index, 1);
    }
    assert.deepEqual(await objectAvus(name), []);
  });

  it('fails with -130000 and "Entity does not exist" for a missing or invisible path', async () => {
    const missing = `${ADMIN_HOME}/${unique('ghost')}`;
    const operations = [{ operation: 'add', attribute: 'a', value: '1' }];
    assert.deepEqual(
      failure(await modify(fx.rods, '/data-objects', missing, operations), -130000),
      {
        error_message: `Entity does not exist [entity_name=${missing}]`,
        operation: null,
        operation_index: 0,
      },
    );
    const { lpath } = await newObject('invisible');
    assert.deepEqual(failure(await modify(fx.alice, '/data-objects', lpath, operations), -130000), {
      error_message: `Entity does not exist [entity_name=${lpath}]`,
      operation: null,
      operation_index: 0,
    });
  });

  it('fails with -130000 for a collection path, there being no type pre-check', async () => {
    const operations = [{ operation: 'add', attribute: 'a', value: '1' }];
    const reply = await modify(fx.rods, '/data-objects', ADMIN_HOME, operations);
    assert.equal(failure(reply, -130000).operation_index, 0);
  });

  it('needs write permission: read access fails with -818000', async () => {
    const { lpath, name } = await newObject('read-only');
    const grant = { op: 'set_permission', lpath, 'entity-name': fx.aliceName, permission: 'read' };
    ok(await fx.rods.post('/data-objects', grant));
    const operations = [{ operation: 'add', attribute: 'a', value: '1' }];
    failure(await modify(fx.alice, '/data-objects', lpath, operations), -818000);
    ok(await fx.rods.post('/data-objects', { ...grant, permission: 'write' }));
    assert.equal((await modify(fx.alice, '/data-objects', lpath, operations)).text, batchOk);
    assert.deepEqual(await objectAvus(name), [['a', '1', '']]);
  });

  it('refuses admin=1 from a rodsuser with -830000', async () => {
    const { lpath } = await newObject('admin');
    ok(
      await fx.rods.post('/data-objects', {
        op: 'set_permission',
        lpath,
        'entity-name': fx.aliceName,
        permission: 'own',
      }),
    );
    const operations = [{ operation: 'add', attribute: 'a', value: '1' }];
    failure(await modify(fx.alice, '/data-objects', lpath, operations, 1), -830000);
  });

  it('answers 500 for operations that are not JSON, and 400 without them', async () => {
    const { lpath } = await newObject('bad-json');
    emptyError(await modify(fx.rods, '/data-objects', lpath, '[{"operation":'), 500);
    emptyError(await fx.rods.postMultipart('/data-objects', { op: 'modify_metadata', lpath }), 400);
  });
});

describe('modify_metadata on collections (§5.1.10)', () => {
  it('adds AVUs that GenQuery shows on the collection', async () => {
    const lpath = `${ADMIN_HOME}/${unique('tagged-coll')}`;
    await fx.rods.mkdir(lpath);
    const reply = await modify(fx.rods, '/collections', lpath, [
      { operation: 'add', attribute: 'project', value: 'x+y=z', units: 'tag' },
    ]);
    assert.equal(reply.text, batchOk);
    const rows = await fx.rods.rows(
      `select META_COLL_ATTR_NAME, META_COLL_ATTR_VALUE, META_COLL_ATTR_UNITS where COLL_NAME = '${lpath}'`,
    );
    assert.deepEqual(rows, [['project', 'x+y=z', 'tag']]);
  });

  it('fails with -130000 on a data-object path instead of a type check', async () => {
    const { lpath } = await newObject('not-coll');
    const reply = await modify(fx.rods, '/collections', lpath, [
      { operation: 'add', attribute: 'a', value: '1' },
    ]);
    assert.deepEqual(failure(reply, -130000), {
      error_message: `Entity does not exist [entity_name=${lpath}]`,
      operation: null,
      operation_index: 0,
    });
  });
});
