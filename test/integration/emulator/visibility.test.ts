import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startEmulator, type TestEmulator } from '../../helpers/emulator.js';
import { ADMIN_HOME, Session, ZONE, code, emptyError, ok, parse, unique } from './http.js';

// Spec §7.3 (strict ACL visibility), §5.5 (users) and §8 item 21: a rodsuser sees only what it
// may read, in stat, list, read and GenQuery; rodsadmin sees everything.

let emu: TestEmulator;
let rods: Session;
let alice: Session;
let aliceName: string;
let aliceHome: string;
/** A collection of rods with two objects; alice is granted read on `shared` only. */
let base: string;

before(async () => {
  emu = await startEmulator();
  rods = await Session.login(emu);
  aliceName = unique('viewer');
  aliceHome = `/${ZONE}/home/${aliceName}`;
  alice = await rods.createUser(aliceName, 'viewer-password');
  base = `${ADMIN_HOME}/${unique('private')}`;
  await rods.mkdir(base);
  await rods.put(`${base}/shared.txt`, 'shared');
  await rods.put(`${base}/secret.txt`, 'secret');
});

after(async () => {
  await emu?.stop();
});

function grant(lpath: string, route: '/collections' | '/data-objects', permission: string) {
  return rods.post(route, { op: 'set_permission', lpath, 'entity-name': aliceName, permission });
}

describe('a new user (§5.5)', () => {
  it('gets a home collection owned by the user alone, and a trash collection', async () => {
    const reply = await alice.statCollection(aliceHome);
    const body = parse(reply);
    assert.equal(
      reply.text,
      `{"inheritance_enabled":false,"irods_response":{"status_code":0},"modified_at":${String(body.modified_at)},` +
        `"permissions":[{"name":"${aliceName}","perm":"own","type":"rodsuser","zone":"tempZone"}],` +
        '"registered":true,"type":"collection"}',
    );
    ok(await rods.statCollection(`/${ZONE}/trash/home/${aliceName}`));
  });

  it('can be looked up with users-groups stat', async () => {
    const body = ok(await rods.get('/users-groups', { op: 'stat', name: aliceName }));
    assert.equal(body.exists, true);
    assert.equal(body.type, 'rodsuser');
    assert.equal(body.local_unique_name, `${aliceName}#${ZONE}`);
    assert.equal(typeof body.id, 'string');
    const missing = await rods.get('/users-groups', { op: 'stat', name: unique('nobody') });
    assert.equal(missing.text, '{"exists":false,"irods_response":{"status_code":0}}');
  });
});

describe('strict ACL visibility (§7.3, §8 item 21)', () => {
  it('hides collections and objects without read permission from stat, list and read', async () => {
    assert.equal(code(await alice.statCollection(ADMIN_HOME)), -170000);
    assert.equal(code(await alice.statCollection(base)), -170000);
    assert.equal(code(await alice.statObject(`${base}/secret.txt`)), -171000);
    const list = await alice.get('/collections', { op: 'list', lpath: base });
    assert.equal(list.status, 400);
    assert.equal(list.text, '{"irods_response":{"status_code":-170000}}');
    emptyError(await alice.get('/data-objects', { op: 'read', lpath: `${base}/secret.txt` }), 404);
  });

  it('treats an invisible parent as missing when creating a collection', async () => {
    const reply = await alice.post('/collections', { op: 'create', lpath: `${base}/mine` });
    assert.equal(reply.status, 200);
    assert.equal(parse(reply).irods_response.status_code, -358000);
    assert.equal(code(await rods.statCollection(`${base}/mine`)), -170000);
  });

  it('hides rows from GenQuery, for objects and for collection conditions', async () => {
    const objects = await alice.rows(`select DATA_NAME where COLL_NAME = '${base}'`);
    assert.deepEqual(objects, []);
    const collections = await alice.rows(`select COLL_NAME where COLL_NAME = '${ADMIN_HOME}'`);
    assert.deepEqual(collections, []);
    const all = await rods.rows(`select DATA_NAME where COLL_NAME = '${base}'`);
    assert.deepEqual(all, [['secret.txt'], ['shared.txt']]);
  });

  it('shows exactly what was granted once read permission is given', async () => {
    ok(await grant(base, '/collections', 'read'));
    ok(await grant(`${base}/shared.txt`, '/data-objects', 'read'));
    ok(await alice.statCollection(base));
    const list = ok(await alice.get('/collections', { op: 'list', lpath: base }));
    assert.deepEqual(list.entries, [`${base}/shared.txt`]);
    const stat = ok(await alice.statObject(`${base}/shared.txt`));
    const permissions = [...(stat.permissions as { name: string; perm: string }[])]
      .map((entry) => `${entry.name}:${entry.perm}`)
      .sort();
    assert.deepEqual(permissions, [`${aliceName}:read_object`, 'rods:own'].sort());
    assert.equal((await alice.content(`${base}/shared.txt`)).toString(), 'shared');
    assert.equal(code(await alice.statObject(`${base}/secret.txt`)), -171000);
    emptyError(await alice.get('/data-objects', { op: 'read', lpath: `${base}/secret.txt` }), 404);
    assert.deepEqual(await alice.rows(`select DATA_NAME where COLL_NAME = '${base}'`), [
      ['shared.txt'],
    ]);
  });

  it('keeps hiding objects granted below read_object', async () => {
    const lpath = `${base}/metadata-only.txt`;
    await rods.put(lpath, 'm');
    ok(await grant(lpath, '/data-objects', 'read_metadata'));
    assert.equal(code(await alice.statObject(lpath)), -171000);
    emptyError(await alice.get('/data-objects', { op: 'read', lpath }), 404);
  });

  it('lets the rodsadmin see objects of other users', async () => {
    const lpath = `${aliceHome}/own.txt`;
    ok(await alice.postMultipart('/data-objects', { op: 'write', lpath, bytes: 'alice' }));
    ok(await rods.statObject(lpath));
    assert.equal((await rods.content(lpath)).toString(), 'alice');
    assert.deepEqual(await rods.rows(`select DATA_NAME where COLL_NAME = '${aliceHome}'`), [
      ['own.txt'],
    ]);
  });
});
