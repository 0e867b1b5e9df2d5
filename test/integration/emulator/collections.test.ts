import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ADMIN_HOME, ZONE, code, emptyError, ok, parse, unique, type Session } from './http.js';
import { useEmulatorSession } from './session.js';

// Spec §5.1 (collections) and §8 items 7, 8, 9, 19 (collection side) and 24.

const fx = useEmulatorSession({ user: 'alice' });

const notACollection = '{"irods_response":{"status_code":-170000}}';
const success = '{"irods_response":{"status_code":0}}';

async function fresh(prefix: string): Promise<string> {
  const lpath = `${ADMIN_HOME}/${unique(prefix)}`;
  await fx.rods.mkdir(lpath);
  return lpath;
}

async function modifiedAt(lpath: string): Promise<number> {
  const body = ok(await fx.rods.statCollection(lpath));
  assert.equal(typeof body.modified_at, 'number');
  return body.modified_at as number;
}

function post(session: Session, params: Record<string, string | number>) {
  return session.post('/collections', params);
}

describe('collections stat (§5.1.2, §8 item 7)', () => {
  it('answers 200 with -170000 and nothing else for a missing path', async () => {
    const reply = await fx.rods.statCollection(`${ADMIN_HOME}/${unique('missing')}`);
    assert.equal(reply.status, 200);
    assert.equal(reply.text, notACollection);
  });

  it('answers 200 with -170000 for a data object', async () => {
    const lpath = `${ADMIN_HOME}/${unique('object')}`;
    await fx.rods.put(lpath, 'x');
    const reply = await fx.rods.statCollection(lpath);
    assert.equal(reply.status, 200);
    assert.equal(reply.text, notACollection);
  });

  it('describes a new collection with the creator as owner and a numeric mtime', async () => {
    const before = Math.floor(Date.now() / 1000);
    const lpath = await fresh('stat');
    const reply = await fx.rods.statCollection(lpath);
    const body = parse(reply);
    const mtime = body.modified_at as number;
    assert.ok(mtime >= before - 1 && mtime <= Math.ceil(Date.now() / 1000) + 1);
    assert.equal(
      reply.text,
      `{"inheritance_enabled":false,"irods_response":{"status_code":0},"modified_at":${mtime},` +
        '"permissions":[{"name":"rods","perm":"own","type":"rodsadmin","zone":"tempZone"}],' +
        '"registered":true,"type":"collection"}',
    );
  });
});

describe('collections list (§5.1.3, §8 items 7 and 8)', () => {
  it('answers 400 with -170000 for a missing path or a data object', async () => {
    const missing = await fx.rods.get('/collections', {
      op: 'list',
      lpath: `${ADMIN_HOME}/${unique('x')}`,
    });
    assert.equal(missing.status, 400);
    assert.equal(missing.text, notACollection);
    const lpath = `${ADMIN_HOME}/${unique('object')}`;
    await fx.rods.put(lpath, 'x');
    const object = await fx.rods.get('/collections', { op: 'list', lpath });
    assert.equal(object.status, 400);
    assert.equal(object.text, notACollection);
  });

  it('lists an empty collection as "entries":null', async () => {
    const lpath = await fresh('empty');
    const reply = await fx.rods.get('/collections', { op: 'list', lpath });
    assert.equal(reply.status, 200);
    assert.equal(reply.text, '{"entries":null,"irods_response":{"status_code":0}}');
  });

  it('lists absolute paths, sub-collections first, each group sorted by name', async () => {
    const base = await fresh('order');
    await fx.rods.mkdir(`${base}/y`);
    await fx.rods.mkdir(`${base}/x`);
    await fx.rods.put(`${base}/b.txt`, 'b');
    await fx.rods.put(`${base}/a.txt`, 'a');
    const body = ok(await fx.rods.get('/collections', { op: 'list', lpath: base }));
    assert.deepEqual(body.entries, [`${base}/x`, `${base}/y`, `${base}/a.txt`, `${base}/b.txt`]);
  });

  it('lists the whole subtree with recurse=1', async () => {
    const base = await fresh('recurse');
    await fx.rods.mkdir(`${base}/x/deeper`);
    await fx.rods.put(`${base}/x/inner.txt`, 'i');
    await fx.rods.put(`${base}/top.txt`, 't');
    const body = ok(await fx.rods.get('/collections', { op: 'list', lpath: base, recurse: 1 }));
    const expected = [`${base}/x`, `${base}/x/deeper`, `${base}/x/inner.txt`, `${base}/top.txt`];
    assert.deepEqual([...(body.entries as string[])].sort(), expected.sort());
  });
});

describe('collections create (§5.1.1, §8 item 9)', () => {
  it('creates a collection and says so', async () => {
    const lpath = `${ADMIN_HOME}/${unique('new')}`;
    const reply = await post(fx.rods, { op: 'create', lpath });
    assert.equal(reply.text, '{"created":true,"irods_response":{"status_code":0}}');
    ok(await fx.rods.statCollection(lpath));
  });

  it('answers created:false with status 0 when a collection or data object is there', async () => {
    const lpath = await fresh('exists');
    const again = await post(fx.rods, { op: 'create', lpath });
    assert.equal(again.text, '{"created":false,"irods_response":{"status_code":0}}');
    const object = `${ADMIN_HOME}/${unique('object')}`;
    await fx.rods.put(object, 'data');
    const onObject = await post(fx.rods, { op: 'create', lpath: object });
    assert.equal(onObject.status, 200);
    assert.equal(onObject.text, '{"created":false,"irods_response":{"status_code":0}}');
    const deep = await post(fx.rods, { op: 'create', lpath: object, 'create-intermediates': 1 });
    assert.equal(deep.text, '{"created":false,"irods_response":{"status_code":0}}');
  });

  it('fails with -358000 and no created key when the parent is missing', async () => {
    const lpath = `${ADMIN_HOME}/${unique('nowhere')}/child`;
    const reply = await post(fx.rods, { op: 'create', lpath });
    assert.equal(reply.status, 200);
    assert.equal(
      reply.text,
      '{"irods_response":{"status_code":-358000,"status_message":"path does not exist: OBJ_PATH_DOES_NOT_EXIST"}}',
    );
    assert.equal(code(await fx.rods.statCollection(lpath)), -170000);
  });

  it('creates missing ancestors with create-intermediates=1', async () => {
    const top = `${ADMIN_HOME}/${unique('deep')}`;
    const reply = await post(fx.rods, {
      op: 'create',
      lpath: `${top}/a/b`,
      'create-intermediates': 1,
    });
    assert.equal(reply.text, '{"created":true,"irods_response":{"status_code":0}}');
    ok(await fx.rods.statCollection(`${top}/a`));
    ok(await fx.rods.statCollection(`${top}/a/b`));
  });

  it('answers 400 without lpath', async () => {
    emptyError(await post(fx.rods, { op: 'create' }), 400);
  });
});

describe('collections remove (§5.1.4, §8 item 24)', () => {
  it('answers 400 with -170000 for a missing path or a data object', async () => {
    const missing = await post(fx.rods, { op: 'remove', lpath: `${ADMIN_HOME}/${unique('x')}` });
    assert.equal(missing.status, 400);
    assert.equal(missing.text, notACollection);
    const object = `${ADMIN_HOME}/${unique('object')}`;
    await fx.rods.put(object, 'x');
    const onObject = await post(fx.rods, { op: 'remove', lpath: object, recurse: 1 });
    assert.equal(onObject.status, 400);
    assert.equal(onObject.text, notACollection);
    ok(await fx.rods.statObject(object));
  });

  it('refuses a non-empty collection without recurse=1 with -79000', async () => {
    const lpath = await fresh('full');
    await fx.rods.put(`${lpath}/child.txt`, 'c');
    const reply = await post(fx.rods, { op: 'remove', lpath });
    assert.equal(reply.status, 200);
    assert.equal(
      reply.text,
      '{"irods_response":{"status_code":-79000,"status_message":"cannot remove non-empty collection: SYS_COLLECTION_NOT_EMPTY"}}',
    );
    ok(await fx.rods.statObject(`${lpath}/child.txt`));
  });

  it('removes a tree for good with recurse=1 and no-trash=1', async () => {
    const name = unique('tree');
    const lpath = `${ADMIN_HOME}/${name}`;
    await fx.rods.mkdir(`${lpath}/sub`);
    await fx.rods.put(`${lpath}/sub/file.txt`, 'f');
    const reply = await post(fx.rods, { op: 'remove', lpath, recurse: 1, 'no-trash': 1 });
    assert.equal(reply.text, success);
    assert.equal(code(await fx.rods.statCollection(lpath)), -170000);
    assert.equal(code(await fx.rods.statObject(`${lpath}/sub/file.txt`)), -171000);
    assert.equal(code(await fx.rods.statCollection(`/${ZONE}/trash/home/rods/${name}`)), -170000);
  });

  it('moves a tree into the user trash without no-trash', async () => {
    const name = unique('trashed');
    const lpath = `${ADMIN_HOME}/${name}`;
    await fx.rods.mkdir(lpath);
    await fx.rods.put(`${lpath}/file.txt`, 'f');
    ok(await post(fx.rods, { op: 'remove', lpath, recurse: 1 }));
    assert.equal(code(await fx.rods.statCollection(lpath)), -170000);
    const trashed = `/${ZONE}/trash/home/rods/${name}`;
    ok(await fx.rods.statCollection(trashed));
    ok(await fx.rods.statObject(`${trashed}/file.txt`));
  });

  it('reports status 0 even when the server refuses to delete a child', async () => {
    const lpath = await fresh('guarded');
    await fx.rods.put(`${lpath}/kept.txt`, 'kept');
    ok(
      await post(fx.rods, {
        op: 'set_permission',
        lpath,
        'entity-name': fx.aliceName,
        permission: 'own',
      }),
    );
    const reply = await post(fx.alice, { op: 'remove', lpath, recurse: 1, 'no-trash': 1 });
    assert.equal(reply.status, 200);
    assert.equal(reply.text, success);
    ok(await fx.rods.statObject(`${lpath}/kept.txt`));
    assert.deepEqual(await fx.rods.content(`${lpath}/kept.txt`), Buffer.from('kept'));
  });
});

describe('collections rename (§5.1.5)', () => {
  it('moves a collection with its contents', async () => {
    const from = await fresh('from');
    await fx.rods.put(`${from}/file.txt`, 'f');
    const to = `${ADMIN_HOME}/${unique('to')}`;
    const reply = await post(fx.rods, { op: 'rename', 'old-lpath': from, 'new-lpath': to });
    assert.equal(reply.text, success);
    assert.equal(code(await fx.rods.statCollection(from)), -170000);
    assert.deepEqual(await fx.rods.content(`${to}/file.txt`), Buffer.from('f'));
  });

  it('answers 400 with -170000 when the source is not a collection', async () => {
    const reply = await post(fx.rods, {
      op: 'rename',
      'old-lpath': `${ADMIN_HOME}/${unique('none')}`,
      'new-lpath': `${ADMIN_HOME}/${unique('to')}`,
    });
    assert.equal(reply.status, 400);
    assert.equal(reply.text, notACollection);
  });

  it('answers 400 with the code and a message when the library refuses', async () => {
    const from = await fresh('from');
    const object = `${ADMIN_HOME}/${unique('object')}`;
    await fx.rods.put(object, 'o');
    const cases: [string, number][] = [
      [object, -1105000],
      [`${ADMIN_HOME}/${unique('nowhere')}/to`, -358000],
      [`${from}/inside`, -130000],
    ];
    for (const [target, expected] of cases) {
      const reply = await post(fx.rods, { op: 'rename', 'old-lpath': from, 'new-lpath': target });
      assert.equal(reply.status, 400, `rename onto ${target}`);
      const body = parse(reply);
      assert.equal(body.irods_response.status_code, expected, `rename onto ${target}`);
      assert.equal(typeof body.irods_response.status_message, 'string');
    }
    ok(await fx.rods.statCollection(from));
  });
});

describe('collections touch (§5.1.6, §8 item 19)', () => {
  it('never creates a collection: a missing path answers status 0', async () => {
    const lpath = `${ADMIN_HOME}/${unique('untouched')}`;
    const reply = await post(fx.rods, { op: 'touch', lpath });
    assert.equal(reply.status, 200);
    assert.equal(reply.text, success);
    assert.equal(code(await fx.rods.statCollection(lpath)), -170000);
    assert.equal(code(await fx.rods.statObject(lpath)), -171000);
  });

  it('answers 400 with -170000 for a data object', async () => {
    const lpath = `${ADMIN_HOME}/${unique('object')}`;
    await fx.rods.put(lpath, 'x');
    const reply = await post(fx.rods, { op: 'touch', lpath, 'seconds-since-epoch': 1712345678 });
    assert.equal(reply.status, 400);
    assert.equal(reply.text, notACollection);
  });

  it('sets the mtime to the given seconds, to a reference, or to now', async () => {
    const lpath = await fresh('touched');
    const given = await post(fx.rods, { op: 'touch', lpath, 'seconds-since-epoch': 1712345678 });
    assert.equal(given.text, success);
    assert.equal(await modifiedAt(lpath), 1712345678);
    const other = await fresh('reference');
    ok(await post(fx.rods, { op: 'touch', lpath: other, 'seconds-since-epoch': 1600000000 }));
    ok(await post(fx.rods, { op: 'touch', lpath, reference: other }));
    assert.equal(await modifiedAt(lpath), 1600000000);
    const before = Math.floor(Date.now() / 1000);
    ok(await post(fx.rods, { op: 'touch', lpath }));
    assert.ok((await modifiedAt(lpath)) >= before);
  });

  it('rejects seconds together with a reference, and negative seconds', async () => {
    const lpath = await fresh('touch-errors');
    ok(await post(fx.rods, { op: 'touch', lpath, 'seconds-since-epoch': 1500000000 }));
    const both = await post(fx.rods, {
      op: 'touch',
      lpath,
      'seconds-since-epoch': 1712345678,
      reference: ADMIN_HOME,
    });
    assert.equal(both.text, '{"irods_response":{"status_code":-402000}}');
    const negative = await post(fx.rods, { op: 'touch', lpath, 'seconds-since-epoch': -5 });
    assert.equal(negative.text, '{"irods_response":{"status_code":-1084000}}');
    assert.equal(await modifiedAt(lpath), 1500000000);
  });

  it('answers 400 for seconds that are not a 32-bit integer', async () => {
    const lpath = await fresh('touch-400');
    emptyError(await post(fx.rods, { op: 'touch', lpath, 'seconds-since-epoch': 'soon' }), 400);
    emptyError(await post(fx.rods, { op: 'touch', lpath, 'seconds-since-epoch': 4294967296 }), 400);
  });
});
