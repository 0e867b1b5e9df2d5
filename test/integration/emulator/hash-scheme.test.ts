import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ADMIN_HOME, ok, parse, unique } from './http.js';
import { useEmulatorSession } from './session.js';

// Spec §5.2.10 and §7.5: a server whose default_hash_scheme is MD5 computes, stores and verifies
// checksums as 32 lowercase hex digits without a prefix; SHA256 (the default) as `sha2:` base64.
// The MD5 values below are those of the spec's §9.5 test strings.

const SOME_DATA_MD5 = '1e50210a0202497fb79bc38b6ade6c34';
const HELLO = 'hello, this message was written via the iRODS HTTP API!';
const HELLO_MD5 = 'e97b0142dc390d6bfb5a6bbf53535816';
const SOME_DATA_SHA2 = 'sha2:EweZDmulyhRes16ZGCqb7EZTG8VN32VqYCx4D6AkDe4=';

let dir: string;

const fx = useEmulatorSession({
  emulator: { config: { irods_server: { default_hash_scheme: 'MD5' } } },
});

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'emulator-md5-'));
});

after(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('default_hash_scheme MD5', () => {
  it('computes, stores and reports plain hex MD5 checksums', async () => {
    const lpath = `${ADMIN_HOME}/${unique('md5')}`;
    await fx.rods.put(lpath, 'some data');
    assert.equal(await fx.rods.checksum(lpath), SOME_DATA_MD5);
    assert.equal(ok(await fx.rods.statObject(lpath)).checksum, SOME_DATA_MD5);
    assert.deepEqual(await fx.rods.replicaRows(lpath, 'DATA_CHECKSUM'), [['0', SOME_DATA_MD5]]);
    ok(await fx.rods.get('/data-objects', { op: 'verify_checksum', lpath }));
  });

  it('computes MD5 for register checksum=1', async () => {
    const ppath = join(dir, 'registered.txt');
    await writeFile(ppath, HELLO);
    const lpath = `${ADMIN_HOME}/${unique('registered')}`;
    const register = { op: 'register', lpath, ppath, resource: 'demoResc', checksum: 1 };
    ok(await fx.rods.postMultipart('/data-objects', register));
    assert.equal(ok(await fx.rods.statObject(lpath)).checksum, HELLO_MD5);
  });

  it('verifies a stored checksum in the scheme it is written in', async () => {
    const lpath = `${ADMIN_HOME}/${unique('sha2-kept')}`;
    await fx.rods.put(lpath, 'some data');
    const surgery = {
      op: 'modify_replica',
      lpath,
      'replica-number': 0,
      'new-data-checksum': SOME_DATA_SHA2,
    };
    ok(await fx.rods.post('/data-objects', surgery));
    ok(await fx.rods.get('/data-objects', { op: 'verify_checksum', lpath }));
    ok(await fx.rods.post('/data-objects', { ...surgery, 'new-data-checksum': HELLO_MD5 }));
    const mismatch = parse(await fx.rods.get('/data-objects', { op: 'verify_checksum', lpath }));
    assert.equal(mismatch.irods_response.status_code, -407000);
    assert.equal(await fx.rods.checksum(lpath, { force: 1 }), SOME_DATA_MD5);
  });
});
