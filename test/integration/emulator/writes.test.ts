import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startEmulator, type TestEmulator } from '../../helpers/emulator.js';
import {
  ADMIN_HOME,
  Session,
  URLENCODED,
  code,
  emptyError,
  ok,
  parse,
  sha2,
  unique,
  type Params,
} from './http.js';

// Spec §5.2.1-§5.2.2 and §5.2.6 (writes) and §8 items 10-13, with the default build behaviour
// of failed opens (-175000).

let emu: TestEmulator;
let rods: Session;
let alice: Session;

before(async () => {
  emu = await startEmulator();
  rods = await Session.login(emu);
  alice = await rods.createUser(unique('writer'), 'writer-password');
});

after(async () => {
  await emu?.stop();
});

const badStream =
  '{"irods_response":{"status_code":-175000,"status_message":"Output stream to data object is in a bad state."}}';

const SOME_DATA = 'sha2:EweZDmulyhRes16ZGCqb7EZTG8VN32VqYCx4D6AkDe4=';
const DIFFERENT_DATA = 'sha2:YIoGizPRi+g4vLB77QHjVSHTCED6JNsJGS5nv9GG5iE=';
const MESSAGE = 'hello, this message was written via the iRODS HTTP API!';
const MESSAGE_SUM = 'sha2:1SgRcbKcy3+4fjwMvf7xQNG5OZmiYzBVbNuMIgiWbBE=';

function write(lpath: string, bytes: string | Buffer, extra: Params = {}) {
  return rods.postMultipart('/data-objects', {
    op: 'write',
    lpath,
    bytes: Buffer.from(bytes),
    ...extra,
  });
}

function objectPath(prefix: string): string {
  return `${ADMIN_HOME}/${unique(prefix)}`;
}

async function size(lpath: string): Promise<number> {
  const body = ok(await rods.statObject(lpath));
  assert.equal(typeof body.size, 'number');
  return body.size as number;
}

describe('write open modes (§5.2.1, §8 item 10)', () => {
  it('creates a missing object and replaces the content of an existing one', async () => {
    const lpath = objectPath('plain');
    const first = await write(lpath, 'hello world');
    assert.equal(first.text, '{"irods_response":{"status_code":0}}');
    assert.equal((await rods.content(lpath)).toString(), 'hello world');
    ok(await write(lpath, 'bye'));
    assert.equal((await rods.content(lpath)).toString(), 'bye');
    assert.equal(await size(lpath), 3);
  });

  it('overwrites in place with truncate=0 and never shrinks', async () => {
    const lpath = objectPath('in-place');
    ok(await write(lpath, 'hello world'));
    ok(await write(lpath, 'HELLO', { truncate: 0 }));
    assert.equal((await rods.content(lpath)).toString(), 'HELLO world');
    ok(await write(lpath, 'XY', { truncate: 0, offset: 6 }));
    assert.equal((await rods.content(lpath)).toString(), 'HELLO XYrld');
    ok(await write(lpath, '!!', { truncate: 0, offset: 11 }));
    assert.equal((await rods.content(lpath)).toString(), 'HELLO XYrld!!');
    assert.equal(await size(lpath), 13);
  });

  it('refuses truncate=0 on a missing object as a bad stream, creating nothing', async () => {
    const lpath = objectPath('no-create');
    const reply = await write(lpath, 'data', { truncate: 0 });
    assert.equal(reply.status, 200);
    assert.equal(reply.text, badStream);
    assert.equal(code(await rods.statObject(lpath)), -171000);
  });

  it('appends at the end with append=1, whatever the offset, creating if missing', async () => {
    const lpath = objectPath('append');
    ok(await write(lpath, 'abc', { append: 1 }));
    ok(await write(lpath, 'def', { append: 1, offset: 0 }));
    ok(await write(lpath, 'ghi', { append: 1, truncate: 0, offset: 1 }));
    assert.equal((await rods.content(lpath)).toString(), 'abcdefghi');
  });

  it('empties the object first, then leaves a zero-filled gap before a default-mode offset', async () => {
    const lpath = objectPath('gap');
    ok(await write(lpath, 'hello world'));
    ok(await write(lpath, 'xyz', { offset: 4 }));
    assert.deepEqual(await rods.content(lpath), Buffer.from('\0\0\0\0xyz', 'latin1'));
    assert.equal(await size(lpath), 7);
  });
});

describe('write close and checksums (§5.2.1, §8 items 11 and 18)', () => {
  it('answers after the close: size, good replica and mtime are already in the catalog', async () => {
    const lpath = objectPath('closed');
    const before = Math.floor(Date.now() / 1000);
    ok(await write(lpath, MESSAGE));
    const stat = ok(await rods.statObject(lpath));
    assert.equal(stat.size, 55);
    assert.ok((stat.modified_at as number) >= before);
    const name = lpath.slice(ADMIN_HOME.length + 1);
    const rows = await rods.rows(
      `select DATA_SIZE, DATA_REPL_STATUS where COLL_NAME = '${ADMIN_HOME}' and DATA_NAME = '${name}'`,
    );
    assert.deepEqual(rows, [['55', '1']]);
  });

  it('clears the checksum on every write until it is calculated again', async () => {
    const lpath = objectPath('checksum');
    ok(await write(lpath, 'some data'));
    assert.equal(ok(await rods.statObject(lpath)).checksum, '');
    const computed = await rods.postMultipart('/data-objects', { op: 'calculate_checksum', lpath });
    assert.equal(computed.text, `{"checksum":"${SOME_DATA}","irods_response":{"status_code":0}}`);
    assert.equal(ok(await rods.statObject(lpath)).checksum, SOME_DATA);
    ok(await write(lpath, 'different data'));
    assert.equal(ok(await rods.statObject(lpath)).checksum, '');
    assert.equal(await rods.checksum(lpath), DIFFERENT_DATA);
    ok(await write(lpath, 'x', { truncate: 0, offset: 100 }));
    assert.equal(ok(await rods.statObject(lpath)).checksum, '');
  });

  it('checksums the 55-byte message', async () => {
    const lpath = objectPath('message');
    ok(await write(lpath, MESSAGE));
    assert.equal(await rods.checksum(lpath), MESSAGE_SUM);
  });
});

describe('failed opens (§5.2.2, §5.2.6, §8 item 12)', () => {
  it('answers 200 with -175000 and the bad-state message for every open failure', async () => {
    const existing = objectPath('existing');
    ok(await write(existing, 'content'));
    const collection = objectPath('collection');
    await rods.mkdir(collection);
    const cases: [string, string, Params][] = [
      ['parent missing', `${objectPath('nowhere')}/file`, {}],
      ['path is a collection', collection, {}],
      ['unknown resource', objectPath('resc'), { resource: 'noSuchResc' }],
      ['replica does not exist', existing, { 'replica-number': 7 }],
    ];
    for (const [what, lpath, extra] of cases) {
      const reply = await write(lpath, 'data', extra);
      assert.equal(reply.status, 200, what);
      assert.equal(reply.text, badStream, what);
    }
    assert.equal((await rods.content(existing)).toString(), 'content');
  });

  it('answers -175000 when the user may not write into the collection', async () => {
    const lpath = objectPath('not-yours');
    const reply = await alice.postMultipart('/data-objects', { op: 'write', lpath, bytes: 'x' });
    assert.equal(reply.status, 200);
    assert.equal(reply.text, badStream);
    assert.equal(code(await rods.statObject(lpath)), -171000);
  });

  it('answers -175000 when a negative offset makes the seek fail', async () => {
    const lpath = objectPath('seek');
    ok(await write(lpath, 'abc'));
    const reply = await write(lpath, 'x', { truncate: 0, offset: -5 });
    assert.equal(reply.text, badStream);
  });
});

describe('parameter errors after the open (§5.2.2, §8 item 13)', () => {
  it('answers 400 for a non-integer offset after creating the object', async () => {
    const lpath = objectPath('bad-offset');
    emptyError(await write(lpath, 'data', { offset: 'ten' }), 400);
    assert.equal(await size(lpath), 0);
  });

  it('answers 400 for a non-integer offset after truncating an existing object', async () => {
    const lpath = objectPath('bad-offset-existing');
    ok(await write(lpath, 'hello'));
    emptyError(await write(lpath, 'data', { offset: 'ten' }), 400);
    assert.equal(await size(lpath), 0);
  });

  it('answers 400 for missing bytes after creating or truncating the object', async () => {
    const lpath = objectPath('no-bytes');
    emptyError(await rods.postMultipart('/data-objects', { op: 'write', lpath }), 400);
    assert.equal(await size(lpath), 0);
    ok(await write(lpath, 'hello'));
    emptyError(await rods.postMultipart('/data-objects', { op: 'write', lpath }), 400);
    assert.equal(await size(lpath), 0);
  });

  it('accepts stoll-style offsets: leading whitespace and trailing junk', async () => {
    const lpath = objectPath('stoll');
    ok(await write(lpath, 'abcdef'));
    ok(await write(lpath, 'X', { truncate: 0, offset: ' 2abc' }));
    assert.equal((await rods.content(lpath)).toString(), 'abXdef');
  });

  it('answers 400 without lpath and for a non-integer replica-number, opening nothing', async () => {
    emptyError(await rods.postMultipart('/data-objects', { op: 'write', bytes: 'x' }), 400);
    const lpath = objectPath('bad-replica');
    emptyError(await write(lpath, 'x', { 'replica-number': 'one' }), 400);
    assert.equal(code(await rods.statObject(lpath)), -171000);
  });
});

describe('urlencoded writes (§1.3)', () => {
  it('turns + in the bytes into a space', async () => {
    const lpath = objectPath('urlencoded');
    const body = `op=write&lpath=${encodeURIComponent(lpath)}&bytes=${encodeURIComponent('a+b c')}`;
    ok(await rods.postRaw('/data-objects', body, URLENCODED));
    assert.equal((await rods.content(lpath)).toString(), 'a b c');
  });
});

describe('header-based write (§5.2.2)', () => {
  it('writes the raw body whatever the Content-Type', async () => {
    for (const contentType of [undefined, 'application/octet-stream', URLENCODED]) {
      const lpath = objectPath('header');
      const reply = await rods.headerWrite({ lpath }, MESSAGE, contentType);
      assert.equal(reply.text, '{"irods_response":{"status_code":0}}', String(contentType));
      assert.equal((await rods.content(lpath)).toString(), MESSAGE);
      assert.equal(await rods.checksum(lpath), MESSAGE_SUM);
    }
  });

  it('keeps + and percent signs and takes non-ASCII paths as UTF-8 bytes', async () => {
    const base = objectPath('names');
    await rods.mkdir(base);
    const plus = `${base}/a+b %41 größe.txt`;
    const accented = `${base}/données.txt`;
    ok(await rods.headerWrite({ lpath: plus }, 'some data'));
    ok(await rods.headerWrite({ lpath: accented }, 'different data'));
    const list = ok(await rods.get('/collections', { op: 'list', lpath: base }));
    assert.deepEqual([...(list.entries as string[])].sort(), [plus, accented].sort());
    assert.equal(await rods.checksum(plus), SOME_DATA);
    assert.equal((await rods.content(accented)).toString(), 'different data');
  });

  it('honours offset, truncate and append headers', async () => {
    const lpath = objectPath('header-flags');
    ok(await rods.headerWrite({ lpath }, 'hello world'));
    ok(await rods.headerWrite({ lpath, truncate: 0, offset: 6 }, 'WORLD'));
    ok(await rods.headerWrite({ lpath, append: 1, offset: 0 }, '!'));
    assert.equal((await rods.content(lpath)).toString(), 'hello WORLD!');
  });

  it('creates an empty object from an empty body, or truncates an existing one', async () => {
    const lpath = objectPath('empty');
    ok(await rods.headerWrite({ lpath }, Buffer.alloc(0)));
    assert.equal(await size(lpath), 0);
    ok(await rods.headerWrite({ lpath }, 'abc'));
    ok(await rods.headerWrite({ lpath }, Buffer.alloc(0)));
    assert.equal(await size(lpath), 0);
  });

  it('reports the same errors as the form write', async () => {
    emptyError(await rods.headerWrite({}, 'x'), 400);
    const missing = objectPath('header-missing');
    const reply = await rods.headerWrite({ lpath: missing, truncate: 0 }, 'x');
    assert.equal(reply.status, 200);
    assert.equal(reply.text, badStream);
    const created = objectPath('header-bad-offset');
    emptyError(await rods.headerWrite({ lpath: created, offset: 'x' }, 'abc'), 400);
    assert.equal(await size(created), 0);
  });

  it('writes a multi-MiB body in one request', async () => {
    const lpath = objectPath('large');
    const bytes = Buffer.alloc(3 * 1024 * 1024 + 17, 'q');
    ok(await rods.headerWrite({ lpath }, bytes));
    assert.equal(await size(lpath), bytes.length);
    assert.equal(await rods.checksum(lpath), sha2(bytes));
    assert.equal(parse(await rods.statObject(lpath)).checksum, sha2(bytes));
  });
});
