import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ADMIN_HOME, code, ok, parse, unique, type Params } from './http.js';
import { useEmulatorSession } from './session.js';

// Spec §5.2 (per-replica ops), §7.2 and the upstream Tier 2 data-object tests (0.7.0).

const HELLO = 'hello, this message was written via the iRODS HTTP API!';
const HELLO_SUM = 'sha2:1SgRcbKcy3+4fjwMvf7xQNG5OZmiYzBVbNuMIgiWbBE=';
const INVALID_HANDLE = -175000;
const SYS_REPLICA_DOES_NOT_EXIST = -164000;
const SYS_NOT_ALLOWED = -169000;
const USER_INCOMPATIBLE_PARAMS = -402000;

let vaults: string;
let other: string;

const fx = useEmulatorSession({
  prepare: async (rods) => {
    vaults = await mkdtemp(join(tmpdir(), 'emulator-replicas-'));
    other = unique('other');
    await rods.createResource(other, 'unixfilesystem', {
      host: 'localhost',
      'vault-path': join(vaults, other),
    });
  },
});

after(async () => {
  if (vaults) await rm(vaults, { recursive: true, force: true });
});

const dataObjects = (params: Params) => fx.rods.postMultipart('/data-objects', params);

/** A new object with HELLO on demoResc and a good copy on the other resource. */
async function twoReplicas(): Promise<string> {
  const lpath = `${ADMIN_HOME}/${unique('two')}`;
  await fx.rods.put(lpath, HELLO);
  ok(await dataObjects({ op: 'replicate', lpath, 'dst-resource': other }));
  return lpath;
}

describe('replicas: replicate, write, trim', () => {
  it('replicate adds replica 1 on the destination, with its own leaf, hierarchy and path', async () => {
    const lpath = await twoReplicas();
    const rows = await fx.rods.replicaRows(
      lpath,
      'DATA_REPL_STATUS, RESC_NAME, DATA_RESC_HIER, DATA_SIZE, DATA_PATH',
    );
    assert.deepEqual(
      rows.map((row) => row.slice(0, 5)),
      [
        ['0', '1', 'demoResc', 'demoResc', '55'],
        ['1', '1', other, other, '55'],
      ],
    );
    assert.ok(rows[1]![5]!.startsWith(join(vaults, other)), 'replica 1 lives in the other vault');
    assert.notEqual(rows[0]![5], rows[1]![5]);
    assert.equal((await fx.rods.content(lpath)).toString(), HELLO);
    // Replicating onto a good replica moves nothing and succeeds.
    ok(await dataObjects({ op: 'replicate', lpath, 'dst-resource': other }));
    assert.equal((await fx.rods.replicaRows(lpath, 'DATA_SIZE')).length, 2);
  });

  it('a write to one replica makes the others stale; stat reports the written one', async () => {
    const lpath = await twoReplicas();
    ok(
      await dataObjects({
        op: 'write',
        lpath,
        'replica-number': 0,
        bytes: 'Just made replica one stale.',
      }),
    );
    assert.deepEqual(await fx.rods.replicaRows(lpath, 'DATA_REPL_STATUS, DATA_SIZE'), [
      ['0', '1', '28'],
      ['1', '0', '55'],
    ]);
    assert.equal(ok(await fx.rods.statObject(lpath)).size, 28);
    const one = await fx.rods.get('/data-objects', { op: 'read', lpath, 'replica-number': 1 });
    assert.equal(one.status, 200);
    // The count comes from the latest good replica (28 bytes), the bytes from replica 1.
    assert.equal(one.text, HELLO.slice(0, 28));
    ok(
      await dataObjects({ op: 'replicate', lpath, 'src-replica-number': 0, 'dst-resource': other }),
    );
    const fromOther = await fx.rods.get('/data-objects', { op: 'read', lpath, resource: other });
    assert.equal(fromOther.text, 'Just made replica one stale.');
    assert.deepEqual(await fx.rods.replicaRows(lpath, 'DATA_REPL_STATUS'), [
      ['0', '1'],
      ['1', '1'],
    ]);
  });

  it('write and parallel_write_init take a root resource; a child resource is refused', async () => {
    const parent = unique('pt');
    await fx.rods.createResource(parent, 'passthru');
    const child = unique('ufs');
    await fx.rods.createResource(child, 'unixfilesystem', {
      host: 'localhost',
      'vault-path': join(vaults, child),
    });
    await fx.rods.addChild(parent, child);
    const lpath = `${ADMIN_HOME}/${unique('targeted')}`;
    const refused = await dataObjects({ op: 'write', lpath, resource: child, bytes: 'x' });
    assert.equal(code(refused), INVALID_HANDLE, 'the default build hides the real code');
    const init = { op: 'parallel_write_init', lpath, resource: child, 'stream-count': 1 };
    assert.equal(code(await fx.rods.post('/data-objects', init)), INVALID_HANDLE);
    assert.equal(code(await fx.rods.statObject(lpath)), -171000, 'nothing was created');
    const started = ok(await fx.rods.post('/data-objects', { ...init, resource: parent }));
    const handle = String(started.parallel_write_handle);
    ok(
      await fx.rods.headerWrite(
        { 'parallel-write-handle': handle, 'stream-index': 0 },
        'via parent',
      ),
    );
    ok(
      await fx.rods.post('/data-objects', {
        op: 'parallel_write_shutdown',
        'parallel-write-handle': handle,
      }),
    );
    assert.deepEqual(await fx.rods.replicaRows(lpath, 'RESC_NAME, DATA_RESC_HIER'), [
      ['0', child, `${parent};${child}`],
    ]);
    const readChild = await fx.rods.get('/data-objects', { op: 'read', lpath, resource: child });
    assert.equal(readChild.status, 400, 'a read names a root resource too');
  });

  it('a write naming a resource without a replica of the object adds one there', async () => {
    const lpath = `${ADMIN_HOME}/${unique('spread')}`;
    await fx.rods.put(lpath, 'first');
    ok(await dataObjects({ op: 'write', lpath, resource: other, bytes: 'second' }));
    assert.deepEqual(await fx.rods.replicaRows(lpath, 'RESC_NAME, DATA_REPL_STATUS, DATA_SIZE'), [
      ['0', 'demoResc', '0', '5'],
      ['1', other, '1', '6'],
    ]);
    const unknown = await dataObjects({ op: 'write', lpath, 'replica-number': 100, bytes: 'x' });
    assert.equal(code(unknown), INVALID_HANDLE);
  });

  it('trim removes a replica and its file; the last good replica stays', async () => {
    const lpath = await twoReplicas();
    const [, path1] = (await fx.rods.replicaRows(lpath, 'DATA_PATH'))[1]!;
    ok(await dataObjects({ op: 'trim', lpath, 'replica-number': 1 }));
    assert.equal(existsSync(path1!), false, 'the trimmed replica file is gone');
    assert.equal(
      code(await dataObjects({ op: 'trim', lpath, 'replica-number': 0 })),
      SYS_NOT_ALLOWED,
    );
    ok(await dataObjects({ op: 'replicate', lpath, 'dst-resource': other }));
    const [, kept] = (await fx.rods.replicaRows(lpath, 'DATA_PATH'))[1]!;
    ok(await dataObjects({ op: 'trim', lpath, 'replica-number': 1, 'catalog-only': 1 }));
    assert.equal(existsSync(kept!), true, 'catalog-only leaves the file');
  });

  it('replicating from a stale replica is SYS_NOT_ALLOWED', async () => {
    const lpath = await twoReplicas();
    ok(await dataObjects({ op: 'write', lpath, 'replica-number': 0, bytes: 'newer' }));
    const stale = { op: 'replicate', lpath, 'src-replica-number': 1, 'dst-resource': 'demoResc' };
    assert.equal(code(await dataObjects(stale)), SYS_NOT_ALLOWED);
  });
});

describe('replicas: checksums, touch, truncate, modify_replica', () => {
  it('calculates per replica, and verify names the replica without a checksum', async () => {
    const lpath = await twoReplicas();
    assert.equal(await fx.rods.checksum(lpath, { 'replica-number': 0 }), HELLO_SUM);
    const verify = await fx.rods.get('/data-objects', { op: 'verify_checksum', lpath });
    assert.deepEqual(parse(verify), {
      irods_response: { status_code: -407000 },
      results: [
        {
          error_code: -862000,
          message: 'WARNING: No checksum available for replica [1].',
          severity: 'warning',
        },
      ],
    });
    assert.equal(await fx.rods.checksum(lpath, { resource: other }), HELLO_SUM);
    ok(await fx.rods.get('/data-objects', { op: 'verify_checksum', lpath }));
    const both = await dataObjects({
      op: 'calculate_checksum',
      lpath,
      resource: other,
      'replica-number': 0,
    });
    assert.equal(code(both), USER_INCOMPATIBLE_PARAMS);
    const missing = await dataObjects({ op: 'calculate_checksum', lpath, 'replica-number': 7 });
    assert.equal(code(missing), SYS_REPLICA_DOES_NOT_EXIST);
  });

  it('verify counts stale replicas as skipped and reports a size that differs from the catalog', async () => {
    const lpath = await twoReplicas();
    ok(await dataObjects({ op: 'write', lpath, 'replica-number': 0, bytes: HELLO }));
    await fx.rods.checksum(lpath);
    const [, path0] = (await fx.rods.replicaRows(lpath, 'DATA_PATH'))[0]!;
    await writeFile(path0!, 'shorter');
    const verify = parse(await fx.rods.get('/data-objects', { op: 'verify_checksum', lpath }));
    assert.deepEqual(verify.results, [
      { error_code: 0, message: 'INFO: Number of replicas skipped: 1', severity: 'info' },
      {
        error_code: -401000,
        message: 'ERROR: Physical size does not match size in catalog for replica [0].',
        severity: 'error',
      },
      {
        error_code: -314000,
        message: 'ERROR: Computed checksum does not match what is in the catalog for replica [0].',
        severity: 'error',
      },
    ]);
  });

  it('touch sets the mtime of the replica it names, and only that one', async () => {
    const lpath = await twoReplicas();
    ok(
      await dataObjects({
        op: 'touch',
        lpath,
        'replica-number': 1,
        'seconds-since-epoch': 1000000000,
      }),
    );
    ok(
      await dataObjects({
        op: 'touch',
        lpath,
        'leaf-resource': 'demoResc',
        'seconds-since-epoch': 1100000000,
      }),
    );
    assert.deepEqual(await fx.rods.replicaRows(lpath, 'DATA_MODIFY_TIME'), [
      ['0', '01100000000'],
      ['1', '01000000000'],
    ]);
    const both = { op: 'touch', lpath, 'replica-number': 1, 'leaf-resource': other };
    assert.equal(code(await dataObjects(both)), USER_INCOMPATIBLE_PARAMS);
  });

  it('truncate resizes one replica and leaves the other stale (upstream test_resizing_replicas)', async () => {
    const lpath = `${ADMIN_HOME}/${unique('resized')}`;
    ok(await dataObjects({ op: 'touch', lpath }));
    ok(await dataObjects({ op: 'replicate', lpath, 'dst-resource': other }));
    ok(await dataObjects({ op: 'truncate', lpath, 'replica-number': 1, size: 512 }));
    ok(await dataObjects({ op: 'truncate', lpath, 'replica-number': 0, size: 1024 }));
    ok(await dataObjects({ op: 'truncate', lpath, 'replica-number': 1, size: 5 }));
    assert.deepEqual(await fx.rods.replicaRows(lpath, 'DATA_SIZE, DATA_REPL_STATUS'), [
      ['0', '1024', '0'],
      ['1', '5', '1'],
    ]);
  });

  it('modify_replica changes the replica it names and no other', async () => {
    const lpath = await twoReplicas();
    ok(
      await dataObjects({
        op: 'modify_replica',
        lpath,
        'resource-hierarchy': other,
        'new-data-replica-status': 0,
        'new-data-size': 15,
      }),
    );
    assert.deepEqual(await fx.rods.replicaRows(lpath, 'DATA_REPL_STATUS, DATA_SIZE'), [
      ['0', '1', '55'],
      ['1', '0', '15'],
    ]);
  });
});

describe('replicas: register and unregister', () => {
  it('registers a file as an additional replica on a second resource; the first goes stale', async () => {
    const lpath = `${ADMIN_HOME}/${unique('registered')}`;
    await fx.rods.put(lpath, HELLO);
    await fx.rods.checksum(lpath);
    const ppath = join(vaults, unique('additional.txt'));
    await writeFile(ppath, HELLO);
    const register = { op: 'register', lpath, ppath, resource: other, 'as-additional-replica': 1 };
    ok(await dataObjects({ ...register, 'data-size': HELLO.length }));
    assert.deepEqual(
      await fx.rods.replicaRows(lpath, 'DATA_PATH, RESC_NAME, DATA_REPL_STATUS, DATA_CHECKSUM'),
      [
        ['0', (await fx.rods.replicaRows(lpath, 'DATA_PATH'))[0]![1]!, 'demoResc', '0', HELLO_SUM],
        ['1', ppath, other, '1', HELLO_SUM],
      ],
    );
    const again = await dataObjects({ op: 'register', lpath, ppath, resource: other });
    assert.equal(code(again), -834000, 'without as-additional-replica the object exists');
  });

  it('remove with catalog-only unregisters every replica and keeps their files', async () => {
    const lpath = await twoReplicas();
    const paths = (await fx.rods.replicaRows(lpath, 'DATA_PATH')).map((row) => row[1]!);
    ok(await dataObjects({ op: 'remove', lpath, 'catalog-only': 1 }));
    assert.equal(code(await fx.rods.statObject(lpath)), -171000);
    for (const path of paths) assert.equal(existsSync(path), true, `${path} is kept`);
    ok(await dataObjects({ op: 'register', lpath, ppath: paths[0]!, resource: 'demoResc' }));
    ok(
      await dataObjects({
        op: 'register',
        lpath,
        ppath: paths[1]!,
        resource: other,
        'as-additional-replica': 1,
      }),
    );
    for (const number of [0, 1]) {
      assert.equal(await fx.rods.checksum(lpath, { 'replica-number': number }), HELLO_SUM);
    }
  });
});
