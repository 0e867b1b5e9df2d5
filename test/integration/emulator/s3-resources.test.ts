import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { eventually } from '../../helpers/eventually.js';
import { startS3, type TestS3 } from '../../helpers/s3.js';
import { ADMIN_HOME, code, ok, sha2, unique } from './http.js';
import { useEmulatorSession } from './session.js';

// An s3 resource keeps replicas as objects in a bucket of a real S3 server (s3rver here), with a
// bucket-rooted vault, as the iRODS S3 plugin does (spec §7.2; the plugin's README): a put writes
// the object, `register` with `data-size` records without reading it, checksums and reads fetch
// the bytes from the endpoint.

const BUCKET = 'irods-bucket';
const VAULT = `/${BUCKET}/irods/Vault`;

let s3: TestS3;

const fx = useEmulatorSession({
  // The S3 server comes first: the emulator's resource points at it.
  emulator: async () => {
    s3 = await startS3();
    await s3.createBucket(BUCKET);
    return {
      config: {
        emulator: {
          resources: [
            { name: 'demoResc', type: 'unixfilesystem' },
            { name: 's3resc', type: 's3', vault_path: VAULT, context: await s3.irodsContext() },
          ],
        },
      },
    };
  },
});

after(async () => {
  await s3?.stop();
});

/** The bucket key of a replica's `/bucket/key` physical path. */
function keyOf(physicalPath: string): string {
  assert.ok(physicalPath.startsWith(`/${BUCKET}/`), physicalPath);
  return physicalPath.slice(BUCKET.length + 2);
}

async function physicalPath(lpath: string, number = 0): Promise<string> {
  const rows = await fx.rods.replicaRows(lpath, 'DATA_PATH');
  return rows.find((row) => row[0] === String(number))![1]!;
}

describe('an s3 resource', () => {
  it('stores a put as an object under its vault, the logical path below the zone', async () => {
    const name = unique('put');
    const lpath = `${ADMIN_HOME}/${name}.txt`;
    ok(
      await fx.rods.postMultipart('/data-objects', {
        op: 'write',
        lpath,
        resource: 's3resc',
        bytes: 'in the bucket',
      }),
    );
    const path = await physicalPath(lpath);
    assert.equal(path, `${VAULT}/home/rods/${name}.txt`);
    assert.equal((await s3.getObject(BUCKET, keyOf(path)))?.toString(), 'in the bucket');
    assert.deepEqual(await fx.rods.replicaRows(lpath, 'RESC_NAME, DATA_SIZE, DATA_REPL_STATUS'), [
      ['0', 's3resc', '13', '1'],
    ]);
    assert.equal((await fx.rods.content(lpath)).toString(), 'in the bucket');
    assert.equal(await fx.rods.checksum(lpath), sha2('in the bucket'));
  });

  it('takes parallel writes and offsets, storing the whole object at shutdown', async () => {
    const lpath = `${ADMIN_HOME}/${unique('parallel')}`;
    const init = { op: 'parallel_write_init', lpath, resource: 's3resc', 'stream-count': 3 };
    const handle = String(ok(await fx.rods.post('/data-objects', init)).parallel_write_handle);
    const parts = ['A'.repeat(10), 'B'.repeat(10), 'C'.repeat(10)];
    for (const [index, part] of parts.entries()) {
      const headers = {
        'parallel-write-handle': handle,
        'stream-index': index,
        offset: index * 10,
      };
      ok(await fx.rods.headerWrite(headers, part));
    }
    ok(
      await fx.rods.post('/data-objects', {
        op: 'parallel_write_shutdown',
        'parallel-write-handle': handle,
      }),
    );
    assert.equal(
      await fx.rods.checksum(lpath),
      'sha2:40ghWJg094XKraNmQ+nnzxCJp0ugME9rfaZsVd/A4Sc=',
    );
    const stored = await s3.getObject(BUCKET, keyOf(await physicalPath(lpath)));
    assert.equal(stored?.toString(), parts.join(''));
    ok(
      await fx.rods.postMultipart('/data-objects', {
        op: 'write',
        lpath,
        truncate: 0,
        offset: 5,
        bytes: 'xx',
      }),
    );
    assert.equal((await fx.rods.content(lpath)).toString(), 'AAAAAxxAAABBBBBBBBBBCCCCCCCCCC');
  });

  it('registers an object with data-size without reading it, then checksums and reads it from S3', async () => {
    const key = `landing/${unique('registered')}.bin`;
    const lpath = `${ADMIN_HOME}/${unique('registered')}`;
    const register = { op: 'register', lpath, ppath: `/${BUCKET}/${key}`, resource: 's3resc' };
    // Nothing is there yet: with data-size the server records the size without looking.
    ok(await fx.rods.postMultipart('/data-objects', { ...register, 'data-size': 9 }));
    assert.deepEqual(await fx.rods.replicaRows(lpath, 'DATA_SIZE, DATA_PATH'), [
      ['0', '9', `/${BUCKET}/${key}`],
    ]);
    await s3.putObject(BUCKET, key, 'some data');
    assert.equal(
      await fx.rods.checksum(lpath),
      'sha2:EweZDmulyhRes16ZGCqb7EZTG8VN32VqYCx4D6AkDe4=',
    );
    assert.equal((await fx.rods.content(lpath)).toString(), 'some data');
    const ranged = await fx.rods.get('/data-objects', { op: 'read', lpath, offset: 5, count: 3 });
    assert.equal(ranged.text, 'dat');
  });

  it('registers without data-size by asking S3 for the size, and fails for a missing object', async () => {
    const key = `landing/${unique('sized')}.bin`;
    await s3.putObject(BUCKET, key, Buffer.alloc(1234, 7));
    const lpath = `${ADMIN_HOME}/${unique('sized')}`;
    ok(
      await fx.rods.postMultipart('/data-objects', {
        op: 'register',
        lpath,
        ppath: `/${BUCKET}/${key}`,
        resource: 's3resc',
      }),
    );
    assert.equal(ok(await fx.rods.statObject(lpath)).size, 1234);
    const missing = await fx.rods.postMultipart('/data-objects', {
      op: 'register',
      lpath: `${lpath}.missing`,
      ppath: `/${BUCKET}/landing/absent.bin`,
      resource: 's3resc',
    });
    assert.equal(code(missing), -716000, 'S3_FILE_STAT_ERR');
  });

  it('replicates between the s3 resource and a unixfilesystem one, both ways', async () => {
    const lpath = `${ADMIN_HOME}/${unique('both')}`;
    await fx.rods.put(lpath, 'local first');
    ok(await fx.rods.post('/data-objects', { op: 'replicate', lpath, 'dst-resource': 's3resc' }));
    assert.equal(
      (await s3.getObject(BUCKET, keyOf(await physicalPath(lpath, 1))))?.toString(),
      'local first',
    );
    ok(
      await fx.rods.postMultipart('/data-objects', {
        op: 'write',
        lpath,
        resource: 's3resc',
        bytes: 'cloud second',
      }),
    );
    assert.deepEqual(await fx.rods.replicaRows(lpath, 'RESC_NAME, DATA_REPL_STATUS'), [
      ['0', 'demoResc', '0'],
      ['1', 's3resc', '1'],
    ]);
    ok(await fx.rods.post('/data-objects', { op: 'replicate', lpath, 'dst-resource': 'demoResc' }));
    const local = await fx.rods.get('/data-objects', { op: 'read', lpath, 'replica-number': 0 });
    assert.equal(local.text, 'cloud second');
  });

  it('moves the object on rename, deletes it on remove, and keeps it on unregister', async () => {
    const lpath = `${ADMIN_HOME}/${unique('moving')}`;
    ok(
      await fx.rods.postMultipart('/data-objects', {
        op: 'write',
        lpath,
        resource: 's3resc',
        bytes: 'mobile',
      }),
    );
    const before = keyOf(await physicalPath(lpath));
    const renamed = `${lpath}.renamed`;
    ok(
      await fx.rods.post('/data-objects', {
        op: 'rename',
        'old-lpath': lpath,
        'new-lpath': renamed,
      }),
    );
    const afterRename = keyOf(await physicalPath(renamed));
    assert.equal(afterRename, `${before}.renamed`);
    assert.equal(await s3.getObject(BUCKET, before), undefined);
    assert.equal((await s3.getObject(BUCKET, afterRename))?.toString(), 'mobile');
    ok(await fx.rods.post('/data-objects', { op: 'remove', lpath: renamed, 'catalog-only': 1 }));
    assert.equal(
      (await s3.getObject(BUCKET, afterRename))?.toString(),
      'mobile',
      'unregistered only',
    );
    ok(
      await fx.rods.postMultipart('/data-objects', {
        op: 'register',
        lpath: renamed,
        ppath: `/${BUCKET}/${afterRename}`,
        resource: 's3resc',
      }),
    );
    ok(
      await fx.rods.post('/data-objects', {
        op: 'remove',
        lpath: renamed,
        'catalog-only': 0,
        'no-trash': 1,
      }),
    );
    // The object's removal from S3 follows the answer.
    await eventually(
      'the renamed object gone from S3',
      async () => (await s3.getObject(BUCKET, afterRename)) === undefined,
      { intervalMs: 50 },
    );
  });
});

describe('an s3 resource whose endpoint does not answer', () => {
  it('fails opens, reads and checksums with the S3 errors, and still registers with data-size', async () => {
    const context = 'S3_DEFAULT_HOSTNAME=127.0.0.1:1;S3_PROTO=HTTP;S3_REGIONNAME=us-east-1';
    await fx.rods.createResource('deadS3', 's3', {
      host: 'localhost',
      'vault-path': VAULT,
      context,
    });
    const lpath = `${ADMIN_HOME}/${unique('unreachable')}`;
    const write = { op: 'write', lpath, resource: 'deadS3', bytes: 'lost' };
    assert.equal(code(await fx.rods.postMultipart('/data-objects', write)), -175000);
    assert.equal(code(await fx.rods.statObject(lpath)), -171000, 'nothing was created');
    const register = { op: 'register', lpath, ppath: `/${BUCKET}/dead.bin`, resource: 'deadS3' };
    ok(await fx.rods.postMultipart('/data-objects', { ...register, 'data-size': 4 }));
    const checksum = await fx.rods.postMultipart('/data-objects', {
      op: 'calculate_checksum',
      lpath,
    });
    assert.equal(code(checksum), -703000, 'S3_GET_ERROR');
    assert.equal((await fx.rods.get('/data-objects', { op: 'read', lpath })).status, 400);
    // The emulator is still up and answering.
    ok(await fx.rods.get('/collections', { op: 'stat', lpath: ADMIN_HOME }));
  });
});
