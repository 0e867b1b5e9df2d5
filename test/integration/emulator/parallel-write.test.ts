import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import {
  ADMIN_HOME,
  RawConnection,
  code,
  emptyError,
  ok,
  parse,
  requestHead,
  sleep,
  unique,
  type Params,
} from './http.js';
import { useEmulatorSession } from './session.js';

// Spec §5.2.3 and §8 item 15, with the default limits: 3 streams per handle, 15 in all.

const open = new Set<string>();

const fx = useEmulatorSession();

afterEach(async () => {
  for (const handle of open) await shutdown(handle);
});

const TEN_EACH = 'sha2:40ghWJg094XKraNmQ+nnzxCJp0ugME9rfaZsVd/A4Sc=';
const PAGE_EACH = 'sha2:YS0DmQW7u51PaFVYl/iTsHFOctKtP1MZZ8JLnBwCLMI=';

function objectPath(prefix: string): string {
  return `${ADMIN_HOME}/${unique(prefix)}`;
}

function init(lpath: string, streamCount: string | number, extra: Params = {}) {
  return fx.rods.post('/data-objects', {
    op: 'parallel_write_init',
    lpath,
    'stream-count': streamCount,
    ...extra,
  });
}

/** Opens a handle, remembering it so that a failing test still shuts it down. */
async function openHandle(lpath: string, streamCount: number): Promise<string> {
  const body = ok(await init(lpath, streamCount));
  const handle = body.parallel_write_handle;
  assert.equal(typeof handle, 'string');
  assert.deepEqual(Object.keys(body), ['irods_response', 'parallel_write_handle']);
  open.add(handle as string);
  return handle as string;
}

async function shutdown(handle: string): Promise<void> {
  open.delete(handle);
  const reply = await fx.rods.post('/data-objects', {
    op: 'parallel_write_shutdown',
    'parallel-write-handle': handle,
  });
  assert.equal(reply.text, '{"irods_response":{"status_code":0}}');
}

function streamWrite(handle: string, bytes: string, extra: Params = {}) {
  return fx.rods.postMultipart('/data-objects', {
    op: 'write',
    'parallel-write-handle': handle,
    bytes: Buffer.from(bytes),
    ...extra,
  });
}

describe('parallel_write_init checks (§5.2.3)', () => {
  it('answers 400 without lpath or stream-count and 500 for a non-integer stream-count', async () => {
    emptyError(
      await fx.rods.post('/data-objects', { op: 'parallel_write_init', 'stream-count': 1 }),
      400,
    );
    const lpath = objectPath('checks');
    emptyError(await fx.rods.post('/data-objects', { op: 'parallel_write_init', lpath }), 400);
    emptyError(await init(lpath, 'three'), 500);
    assert.equal(code(await fx.rods.statObject(lpath)), -171000);
  });

  it('answers 400 for fewer than one or more than three streams, creating nothing', async () => {
    for (const count of [0, -1, 4]) {
      const lpath = objectPath('count');
      emptyError(await init(lpath, count), 400);
      assert.equal(code(await fx.rods.statObject(lpath)), -171000, `stream-count ${count}`);
    }
  });

  it('answers 400 for a non-integer replica-number', async () => {
    emptyError(await init(objectPath('replica'), 1, { 'replica-number': 'first' }), 400);
  });

  it('answers 503 past the server-wide budget of 15 streams, creating nothing', async () => {
    const handles: string[] = [];
    for (let i = 0; i < 5; i++) handles.push(await openHandle(objectPath('budget'), 3));
    const refused = objectPath('over-budget');
    emptyError(await init(refused, 1), 503);
    assert.equal(code(await fx.rods.statObject(refused)), -171000);
    await shutdown(handles[0]!);
    const afterRelease = await openHandle(refused, 3);
    emptyError(await init(objectPath('over-budget'), 1), 503);
    await shutdown(afterRelease);
    for (const handle of handles.slice(1)) await shutdown(handle);
  });

  it('refuses a second init on an object open for writing with -175000', async () => {
    const lpath = objectPath('twice');
    await openHandle(lpath, 2);
    const second = await init(lpath, 2);
    assert.equal(second.status, 200);
    const body = parse(second);
    assert.equal(body.irods_response.status_code, -175000);
    assert.equal('parallel_write_handle' in body, false);
  });

  it('refuses an init the user may not write with an open failure, not an HTTP error', async () => {
    const alice = await fx.rods.createUser(unique('pw'), 'pw-password');
    const reply = await alice.post('/data-objects', {
      op: 'parallel_write_init',
      lpath: objectPath('denied'),
      'stream-count': 1,
    });
    assert.equal(reply.status, 200);
    assert.equal(parse(reply).irods_response.status_code, -175000);
  });
});

describe('writing through a handle (§5.2.3)', () => {
  it('assembles 10×A, 10×B and 10×C written by three streams at offsets 0, 10 and 20', async () => {
    const lpath = objectPath('abc');
    const handle = await openHandle(lpath, 3);
    const parts = ['A', 'B', 'C'];
    for (const [index, letter] of parts.entries()) {
      const reply = await streamWrite(handle, letter.repeat(10), {
        'stream-index': index,
        offset: index * 10,
      });
      assert.equal(reply.text, '{"irods_response":{"status_code":0}}');
    }
    await shutdown(handle);
    assert.equal(
      (await fx.rods.content(lpath)).toString(),
      `${'A'.repeat(10)}${'B'.repeat(10)}${'C'.repeat(10)}`,
    );
    assert.equal(await fx.rods.checksum(lpath), TEN_EACH);
    assert.equal(ok(await fx.rods.statObject(lpath)).size, 30);
  });

  it('assembles 32768 bytes per stream sent with the header form in reverse order', async () => {
    const lpath = objectPath('pages');
    const handle = await openHandle(lpath, 3);
    const page = 32768;
    for (const index of [2, 0, 1]) {
      const letter = 'ABC'[index]!;
      const reply = await fx.rods.headerWrite(
        { 'parallel-write-handle': handle, 'stream-index': index, offset: index * page },
        Buffer.alloc(page, letter),
      );
      assert.equal(reply.text, '{"irods_response":{"status_code":0}}');
    }
    await shutdown(handle);
    assert.equal(await fx.rods.checksum(lpath), PAGE_EACH);
    assert.equal(ok(await fx.rods.statObject(lpath)).size, 3 * page);
  });

  it('keeps each stream position between requests when no offset is given', async () => {
    const lpath = objectPath('positions');
    const handle = await openHandle(lpath, 2);
    ok(await streamWrite(handle, 'AAAAA', { 'stream-index': 0, offset: 0 }));
    ok(await streamWrite(handle, 'CCCCC', { 'stream-index': 1, offset: 10 }));
    ok(await streamWrite(handle, 'BBBBB', { 'stream-index': 0 }));
    ok(await fx.rods.headerWrite({ 'parallel-write-handle': handle, 'stream-index': 1 }, 'DDDDD'));
    await shutdown(handle);
    assert.equal((await fx.rods.content(lpath)).toString(), 'AAAAABBBBBCCCCCDDDDD');
  });

  it('ignores lpath and open flags on a write with a handle', async () => {
    const lpath = objectPath('handle-wins');
    const elsewhere = objectPath('elsewhere');
    const handle = await openHandle(lpath, 1);
    ok(await streamWrite(handle, 'xyz', { 'stream-index': 0, lpath: elsewhere, append: 1 }));
    await shutdown(handle);
    assert.equal((await fx.rods.content(lpath)).toString(), 'xyz');
    assert.equal(code(await fx.rods.statObject(elsewhere)), -171000);
  });

  it('shows no good replica while the handle is open', async () => {
    const lpath = objectPath('intermediate');
    const handle = await openHandle(lpath, 1);
    ok(await streamWrite(handle, 'partial', { 'stream-index': 0 }));
    const stat = await fx.rods.statObject(lpath);
    assert.equal(
      stat.text,
      '{"irods_response":{"status_code":-166000,"status_message":"no good replica found: SYS_NO_GOOD_REPLICA"}}',
    );
    emptyError(await fx.rods.get('/data-objects', { op: 'read', lpath }), 500);
    await shutdown(handle);
    assert.equal((await fx.rods.content(lpath)).toString(), 'partial');
  });

  it('answers 400 for an unknown handle or a bad stream-index, 200 for shutting down an unknown handle', async () => {
    const unknown = '11111111-2222-4333-8444-555555555555';
    emptyError(await streamWrite(unknown, 'x', { 'stream-index': 0 }), 400);
    emptyError(await fx.rods.headerWrite({ 'parallel-write-handle': unknown }, 'x'), 400);
    const handle = await openHandle(objectPath('index'), 3);
    emptyError(await streamWrite(handle, 'x', { 'stream-index': 3 }), 400);
    emptyError(await streamWrite(handle, 'x', { 'stream-index': 'first' }), 400);
    await shutdown(unknown);
    emptyError(await fx.rods.post('/data-objects', { op: 'parallel_write_shutdown' }), 400);
  });

  it('answers 429 when every stream is busy and no stream-index is given', async () => {
    const lpath = objectPath('busy');
    const handle = await openHandle(lpath, 1);
    const total = 64;
    const slow = new RawConnection(fx.emu.port);
    slow.write(
      requestHead(fx.emu, 'POST', '/data-objects', {
        Authorization: `Bearer ${fx.rods.token}`,
        'irods-api-request-op': 'write',
        'irods-api-request-parallel-write-handle': handle,
        'Content-Length': total,
        Connection: 'close',
      }),
    );
    slow.write('a'.repeat(total / 2));
    await sleep(300);
    emptyError(await streamWrite(handle, 'x'), 429);
    slow.write('b'.repeat(total / 2));
    const outcome = await slow.outcome();
    assert.equal(slow.status(), 200, outcome.received.toString('latin1'));
    await shutdown(handle);
    assert.equal((await fx.rods.content(lpath)).toString(), `${'a'.repeat(32)}${'b'.repeat(32)}`);
  });

  it('lets a stream be chosen by the server when it is free', async () => {
    const lpath = objectPath('free');
    const handle = await openHandle(lpath, 2);
    ok(await streamWrite(handle, 'first', { offset: 0 }));
    ok(await streamWrite(handle, 'second', { offset: 5 }));
    await shutdown(handle);
    assert.equal((await fx.rods.content(lpath)).toString(), 'firstsecond');
  });
});
