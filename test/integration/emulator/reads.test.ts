import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ADMIN_HOME, emptyError, ok, parse, sha2, unique, type Params } from './http.js';
import { useEmulatorSession } from './session.js';

// Spec §5.2.4 (read), §5.2.5 (stat), §5.2.10 (calculate_checksum) and §8 items 7, 16, 17, 18.

const fx = useEmulatorSession();

const MiB = 1024 * 1024;
const MESSAGE = 'hello, this message was written via the iRODS HTTP API!';
const MESSAGE_SUM = 'sha2:1SgRcbKcy3+4fjwMvf7xQNG5OZmiYzBVbNuMIgiWbBE=';

function objectPath(prefix: string): string {
  return `${ADMIN_HOME}/${unique(prefix)}`;
}

function read(lpath: string, extra: Params = {}) {
  return fx.rods.get('/data-objects', { op: 'read', lpath, ...extra });
}

function isChunked(headers: Record<string, string | string[] | undefined>): boolean {
  return String(headers['transfer-encoding'] ?? '').includes('chunked');
}

describe('data-objects read (§5.2.4, §8 item 16)', () => {
  it('answers a small read with the raw bytes labelled application/json', async () => {
    const lpath = objectPath('small');
    const bytes = Buffer.from([0x7b, 0x00, 0xff, 0x0d, 0x0a, 0x22]);
    await fx.rods.put(lpath, bytes);
    const reply = await read(lpath);
    assert.equal(reply.status, 200);
    assert.match(String(reply.headers['content-type']), /^application\/json/);
    assert.equal(isChunked(reply.headers), false);
    assert.deepEqual(reply.body, bytes);
  });

  it('streams a read larger than 1 MiB chunked as application/octet-stream', async () => {
    const lpath = objectPath('large');
    const bytes = Buffer.alloc(MiB + 1, 'z');
    bytes[MiB] = 0x21;
    ok(await fx.rods.headerWrite({ lpath }, bytes));
    const whole = await read(lpath);
    assert.equal(whole.status, 200);
    assert.match(String(whole.headers['content-type']), /^application\/octet-stream/);
    assert.equal(isChunked(whole.headers), true);
    assert.equal(whole.body.length, bytes.length);
    assert.ok(whole.body.equals(bytes));
    const oneMiB = await read(lpath, { count: MiB });
    assert.match(String(oneMiB.headers['content-type']), /^application\/json/);
    assert.equal(isChunked(oneMiB.headers), false);
    assert.ok(oneMiB.body.equals(bytes.subarray(0, MiB)));
    const tail = await read(lpath, { offset: MiB - 1 });
    assert.match(String(tail.headers['content-type']), /^application\/json/);
    assert.equal(tail.body.toString(), 'z!');
  });

  it('reads ranges, clamping count to what is left', async () => {
    const lpath = objectPath('range');
    await fx.rods.put(lpath, 'abcdef');
    assert.equal((await read(lpath, { offset: 2, count: 3 })).text, 'cde');
    assert.equal((await read(lpath, { offset: 4, count: 10 })).text, 'ef');
    assert.equal((await read(lpath, { offset: 1 })).text, 'bcdef');
    assert.equal((await read(lpath, { count: 0 })).text, '');
  });

  it('answers an empty 200 at offset == size and 500 past it', async () => {
    const lpath = objectPath('eof');
    await fx.rods.put(lpath, 'abcdef');
    const atEnd = await read(lpath, { offset: 6 });
    assert.equal(atEnd.status, 200);
    assert.equal(atEnd.body.length, 0);
    emptyError(await read(lpath, { offset: 7 }), 500);
    emptyError(await read(lpath, { offset: 7, count: 1 }), 500);
  });

  it('answers 400 for offsets and counts that are negative or not integers', async () => {
    const lpath = objectPath('bad-params');
    await fx.rods.put(lpath, 'abcdef');
    const invalid: Params[] = [
      { offset: 'x' },
      { offset: -1 },
      { count: 'many' },
      { count: -1 },
      { 'replica-number': 'x' },
    ];
    for (const extra of invalid) {
      emptyError(await read(lpath, extra), 400);
    }
    emptyError(await fx.rods.get('/data-objects', { op: 'read' }), 400);
  });

  it('answers 404 with an empty body for a missing path or a collection', async () => {
    emptyError(await read(objectPath('missing')), 404);
    emptyError(await read(ADMIN_HOME), 404);
  });
});

describe('data-objects stat (§5.2.5, §8 items 7 and 17)', () => {
  it('describes an object with a numeric size and no registered key', async () => {
    const lpath = objectPath('stat');
    await fx.rods.put(lpath, MESSAGE);
    const before = parse(await fx.rods.statObject(lpath));
    assert.equal(before.checksum, '');
    assert.equal(await fx.rods.checksum(lpath), MESSAGE_SUM);
    const reply = await fx.rods.statObject(lpath);
    const body = parse(reply);
    assert.equal(typeof body.modified_at, 'number');
    assert.equal(
      reply.text,
      `{"checksum":"${MESSAGE_SUM}","irods_response":{"status_code":0},` +
        `"modified_at":${String(body.modified_at)},` +
        '"permissions":[{"name":"rods","perm":"own","type":"rodsadmin","zone":"tempZone"}],' +
        '"size":55,"type":"data_object"}',
    );
  });

  it('answers 200 with -171000 for a missing path or a collection', async () => {
    const missing = await fx.rods.statObject(objectPath('missing'));
    assert.equal(missing.status, 200);
    assert.equal(missing.text, '{"irods_response":{"status_code":-171000}}');
    const collection = await fx.rods.statObject(ADMIN_HOME);
    assert.equal(collection.status, 200);
    assert.equal(collection.text, '{"irods_response":{"status_code":-171000}}');
  });

  it('reports the mtime that GenQuery shows for the replica', async () => {
    const lpath = objectPath('mtime');
    await fx.rods.put(lpath, 'x');
    ok(
      await fx.rods.post('/data-objects', {
        op: 'touch',
        lpath,
        'seconds-since-epoch': 1712345678,
      }),
    );
    assert.equal(ok(await fx.rods.statObject(lpath)).modified_at, 1712345678);
    const name = lpath.slice(ADMIN_HOME.length + 1);
    const rows = await fx.rods.rows(
      `select DATA_MODIFY_TIME where COLL_NAME = '${ADMIN_HOME}' and DATA_NAME = '${name}'`,
    );
    assert.deepEqual(rows, [['01712345678']]);
  });
});

describe('calculate_checksum (§5.2.10, §8 item 18)', () => {
  it('returns the sha2 checksums of the spec examples', async () => {
    const examples: [string, string][] = [
      ['some data', 'sha2:EweZDmulyhRes16ZGCqb7EZTG8VN32VqYCx4D6AkDe4='],
      ['different data', 'sha2:YIoGizPRi+g4vLB77QHjVSHTCED6JNsJGS5nv9GG5iE='],
      [MESSAGE, MESSAGE_SUM],
    ];
    for (const [content, expected] of examples) {
      const lpath = objectPath('sum');
      await fx.rods.put(lpath, content);
      const reply = await fx.rods.postMultipart('/data-objects', {
        op: 'calculate_checksum',
        lpath,
      });
      assert.equal(reply.status, 200);
      assert.equal(reply.text, `{"checksum":"${expected}","irods_response":{"status_code":0}}`);
    }
  });

  it('answers -808000 for a missing object', async () => {
    const reply = await fx.rods.post('/data-objects', {
      op: 'calculate_checksum',
      lpath: objectPath('missing'),
    });
    assert.equal(reply.status, 200);
    assert.equal(reply.text, '{"irods_response":{"status_code":-808000}}');
  });

  it('does not change the mtime', async () => {
    const lpath = objectPath('sum-mtime');
    await fx.rods.put(lpath, 'some data');
    ok(
      await fx.rods.post('/data-objects', {
        op: 'touch',
        lpath,
        'seconds-since-epoch': 1600000000,
      }),
    );
    assert.equal(await fx.rods.checksum(lpath), sha2('some data'));
    assert.equal(ok(await fx.rods.statObject(lpath)).modified_at, 1600000000);
  });
});
