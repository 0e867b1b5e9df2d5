import assert from 'node:assert/strict';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  ADMIN_HOME,
  ZONE,
  code,
  emptyError,
  ok,
  parse,
  sha2,
  unique,
  type Params,
  type Session,
} from './http.js';
import { useEmulatorSession } from './session.js';

// Spec §5.2.7 (touch), §5.2.8 (remove), §5.2.9 (register), §5.2.10 (stored checksums) and §8
// items 18, 19, 23 and 25.

let files: string;

const fx = useEmulatorSession({ user: 'toucher' });

before(async () => {
  files = await mkdtemp(join(tmpdir(), 'emulator-register-'));
});

after(async () => {
  if (files) await rm(files, { recursive: true, force: true });
});

const success = '{"irods_response":{"status_code":0}}';
const SOME_DATA = 'sha2:EweZDmulyhRes16ZGCqb7EZTG8VN32VqYCx4D6AkDe4=';
const DIFFERENT_DATA = 'sha2:YIoGizPRi+g4vLB77QHjVSHTCED6JNsJGS5nv9GG5iE=';

function objectPath(prefix: string): string {
  return `${ADMIN_HOME}/${unique(prefix)}`;
}

function touch(lpath: string, extra: Params = {}) {
  return fx.rods.post('/data-objects', { op: 'touch', lpath, ...extra });
}

function remove(session: Session, lpath: string, extra: Params) {
  return session.post('/data-objects', { op: 'remove', lpath, ...extra });
}

async function physicalFile(name: string, content: string): Promise<string> {
  const path = join(files, name);
  await writeFile(path, content);
  return path;
}

function register(lpath: string, ppath: string, extra: Params = {}) {
  return fx.rods.post('/data-objects', {
    op: 'register',
    lpath,
    ppath,
    resource: 'demoResc',
    ...extra,
  });
}

async function replicaRow(lpath: string, columns: string): Promise<string[][]> {
  const slash = lpath.lastIndexOf('/');
  return fx.rods.rows(
    `select ${columns} where COLL_NAME = '${lpath.slice(0, slash)}' and DATA_NAME = '${lpath.slice(slash + 1)}'`,
  );
}

describe('data-objects touch (§5.2.7, §8 item 19)', () => {
  it('creates a missing object empty, unless no-create=1', async () => {
    const lpath = objectPath('created');
    assert.equal((await touch(lpath)).text, success);
    const body = ok(await fx.rods.statObject(lpath));
    assert.equal(body.size, 0);
    const skipped = objectPath('skipped');
    assert.equal((await touch(skipped, { 'no-create': 1 })).text, success);
    assert.equal(code(await fx.rods.statObject(skipped)), -171000);
  });

  it('sets exactly the given seconds, earlier or later, without touching content or checksum', async () => {
    const lpath = objectPath('seconds');
    await fx.rods.put(lpath, 'some data');
    assert.equal(await fx.rods.checksum(lpath), SOME_DATA);
    for (const seconds of [1712345678, 1600000000, 2000000000]) {
      assert.equal((await touch(lpath, { 'seconds-since-epoch': seconds })).text, success);
      const body = ok(await fx.rods.statObject(lpath));
      assert.equal(body.modified_at, seconds);
      assert.equal(body.size, 9);
      assert.equal(body.checksum, SOME_DATA);
    }
    assert.equal((await fx.rods.content(lpath)).toString(), 'some data');
  });

  it('copies the mtime of a reference object or collection, or sets now', async () => {
    const lpath = objectPath('referrer');
    const reference = objectPath('reference');
    await fx.rods.put(lpath, 'x');
    await fx.rods.put(reference, 'y');
    ok(await touch(reference, { 'seconds-since-epoch': 1500000000 }));
    ok(await touch(lpath, { reference }));
    assert.equal(ok(await fx.rods.statObject(lpath)).modified_at, 1500000000);
    const collection = objectPath('reference-collection');
    await fx.rods.mkdir(collection);
    ok(
      await fx.rods.post('/collections', {
        op: 'touch',
        lpath: collection,
        'seconds-since-epoch': 1400000000,
      }),
    );
    ok(await touch(lpath, { reference: collection }));
    assert.equal(ok(await fx.rods.statObject(lpath)).modified_at, 1400000000);
    const before = Math.floor(Date.now() / 1000);
    ok(await touch(lpath));
    assert.ok((ok(await fx.rods.statObject(lpath)).modified_at as number) >= before);
  });

  it('answers 400 with -171000 for a collection', async () => {
    const reply = await touch(ADMIN_HOME);
    assert.equal(reply.status, 400);
    assert.equal(reply.text, '{"irods_response":{"status_code":-171000}}');
  });

  it('reports incompatible or invalid values as status codes without a message', async () => {
    const lpath = objectPath('touch-errors');
    await fx.rods.put(lpath, 'x');
    ok(await touch(lpath, { 'seconds-since-epoch': 1300000000 }));
    const both = await touch(lpath, { 'seconds-since-epoch': 1712345678, reference: ADMIN_HOME });
    assert.equal(both.text, '{"irods_response":{"status_code":-402000}}');
    const replicaAndLeaf = await touch(lpath, { 'replica-number': 0, 'leaf-resource': 'demoResc' });
    assert.equal(replicaAndLeaf.text, '{"irods_response":{"status_code":-402000}}');
    const negative = await touch(lpath, { 'seconds-since-epoch': -1 });
    assert.equal(negative.text, '{"irods_response":{"status_code":-1084000}}');
    assert.equal(ok(await fx.rods.statObject(lpath)).modified_at, 1300000000);
  });

  it('answers -358000 when asked to create through a replica number', async () => {
    const lpath = objectPath('touch-replica');
    const reply = await touch(lpath, { 'replica-number': 0 });
    assert.equal(reply.text, '{"irods_response":{"status_code":-358000}}');
    assert.equal(code(await fx.rods.statObject(lpath)), -171000);
  });

  it('answers a negative code when the parent collection is missing', async () => {
    const reply = await touch(`${objectPath('nowhere')}/file`);
    assert.equal(reply.status, 200);
    const body = parse(reply);
    assert.ok(body.irods_response.status_code < 0);
    assert.equal(body.irods_response.status_message, undefined);
  });

  it('answers 400 for non-integer seconds or replica-number and without lpath', async () => {
    const lpath = objectPath('touch-400');
    emptyError(await touch(lpath, { 'seconds-since-epoch': 'now' }), 400);
    emptyError(await touch(lpath, { 'replica-number': 'zero' }), 400);
    emptyError(await fx.rods.post('/data-objects', { op: 'touch' }), 400);
  });
});

describe('data-objects remove (§5.2.8, §8 item 23)', () => {
  it('answers 400 without catalog-only, and for catalog-only=1 with no-trash=1', async () => {
    const lpath = objectPath('keep');
    await fx.rods.put(lpath, 'k');
    emptyError(await remove(fx.rods, lpath, {}), 400);
    emptyError(await remove(fx.rods, lpath, { 'no-trash': 1 }), 400);
    emptyError(await remove(fx.rods, lpath, { 'catalog-only': 1, 'no-trash': 1 }), 400);
    ok(await fx.rods.statObject(lpath));
  });

  it('deletes for good with no-trash=1', async () => {
    const name = unique('deleted');
    const lpath = `${ADMIN_HOME}/${name}`;
    await fx.rods.put(lpath, 'd');
    const reply = await remove(fx.rods, lpath, { 'catalog-only': 0, 'no-trash': 1 });
    assert.equal(reply.text, success);
    assert.equal(code(await fx.rods.statObject(lpath)), -171000);
    assert.equal(code(await fx.rods.statObject(`/${ZONE}/trash/home/rods/${name}`)), -171000);
  });

  it('moves the object into the trash, mirroring its path below the home', async () => {
    const sub = unique('sub');
    await fx.rods.mkdir(`${ADMIN_HOME}/${sub}`);
    const name = unique('trashed');
    const lpath = `${ADMIN_HOME}/${sub}/${name}`;
    await fx.rods.put(lpath, 'trash me');
    assert.equal((await remove(fx.rods, lpath, { 'catalog-only': 0 })).text, success);
    assert.equal(code(await fx.rods.statObject(lpath)), -171000);
    const trashed = `/${ZONE}/trash/home/rods/${sub}/${name}`;
    assert.equal((await fx.rods.content(trashed)).toString(), 'trash me');
  });

  it('answers -808000 for a missing object', async () => {
    const reply = await remove(fx.rods, objectPath('never'), { 'catalog-only': 0, 'no-trash': 1 });
    assert.equal(reply.status, 200);
    assert.equal(reply.text, '{"irods_response":{"status_code":-808000}}');
  });

  it('refuses a user without delete permission, keeping the object', async () => {
    const lpath = objectPath('guarded');
    await fx.rods.put(lpath, 'g');
    const grant = {
      op: 'set_permission',
      lpath,
      'entity-name': fx.aliceName,
      permission: 'modify_object',
    };
    ok(await fx.rods.post('/data-objects', grant));
    const reply = await remove(fx.alice, lpath, { 'catalog-only': 0, 'no-trash': 1 });
    assert.equal(reply.status, 200);
    const body = parse(reply);
    assert.ok(body.irods_response.status_code < 0);
    assert.equal(body.irods_response.status_message, undefined);
    ok(await fx.rods.statObject(lpath));
  });

  it('unregisters with catalog-only=1, leaving the file on disk', async () => {
    const ppath = await physicalFile(unique('unreg'), 'stays on disk');
    const lpath = objectPath('unregistered');
    ok(await register(lpath, ppath));
    assert.equal((await remove(fx.rods, lpath, { 'catalog-only': 1 })).text, success);
    assert.equal(code(await fx.rods.statObject(lpath)), -171000);
    assert.equal((await stat(ppath)).size, 'stays on disk'.length);
  });
});

describe('data-objects register (§5.2.9, §8 item 25)', () => {
  it('records an existing file with its size, path and resource, and no checksum', async () => {
    const ppath = await physicalFile(unique('plain'), 'some data');
    const lpath = objectPath('registered');
    assert.equal((await register(lpath, ppath)).text, success);
    const body = ok(await fx.rods.statObject(lpath));
    assert.equal(body.size, 9);
    assert.equal(body.checksum, '');
    assert.equal((await fx.rods.content(lpath)).toString(), 'some data');
    assert.deepEqual(await replicaRow(lpath, 'DATA_PATH, RESC_NAME, DATA_SIZE'), [
      [ppath, 'demoResc', '9'],
    ]);
  });

  it('computes the checksum server-side only for checksum=1', async () => {
    const computed = objectPath('with-sum');
    ok(await register(computed, await physicalFile(unique('sum'), 'some data'), { checksum: 1 }));
    assert.equal(ok(await fx.rods.statObject(computed)).checksum, SOME_DATA);
    const ignored = objectPath('ignored-sum');
    ok(
      await register(ignored, await physicalFile(unique('nosum'), 'some data'), {
        checksum: SOME_DATA,
      }),
    );
    assert.equal(ok(await fx.rods.statObject(ignored)).checksum, '');
  });

  it('records data-size when given', async () => {
    const lpath = objectPath('sized');
    ok(await register(lpath, await physicalFile(unique('sized'), 'some data'), { 'data-size': 4 }));
    assert.equal(ok(await fx.rods.statObject(lpath)).size, 4);
  });

  it('refuses to register onto an existing object without as-additional-replica', async () => {
    const lpath = objectPath('taken');
    await fx.rods.put(lpath, 'original');
    const reply = await register(lpath, await physicalFile(unique('taken'), 'other'));
    assert.equal(reply.text, '{"irods_response":{"status_code":-834000}}');
    assert.equal((await fx.rods.content(lpath)).toString(), 'original');
  });

  it('answers 400 without ppath or resource', async () => {
    const lpath = objectPath('incomplete');
    emptyError(
      await fx.rods.post('/data-objects', { op: 'register', lpath, resource: 'demoResc' }),
      400,
    );
    emptyError(
      await fx.rods.post('/data-objects', { op: 'register', lpath, ppath: '/tmp/x' }),
      400,
    );
  });
});

describe('stored checksums (§5.2.10, §8 item 18)', () => {
  it('returns a recorded checksum as-is without force, and recomputes with force=1', async () => {
    const ppath = await physicalFile(unique('drift'), 'some data');
    const lpath = objectPath('drift');
    ok(await register(lpath, ppath, { checksum: 1 }));
    await writeFile(ppath, 'different data');
    assert.equal(await fx.rods.checksum(lpath), SOME_DATA);
    assert.equal(await fx.rods.checksum(lpath, { force: 1 }), DIFFERENT_DATA);
    assert.equal(ok(await fx.rods.statObject(lpath)).checksum, sha2('different data'));
  });
});
