import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { connect } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startEmulator, type TestEmulator } from '../helpers/emulator.js';

async function token(emulator: TestEmulator): Promise<string> {
  const res = await fetch(`${emulator.url}/authenticate`, {
    method: 'POST',
    headers: { authorization: `Basic ${Buffer.from('rods:rods').toString('base64')}` },
  });
  assert.equal(res.status, 200);
  return res.text();
}

async function post(
  emulator: TestEmulator,
  bearer: string,
  route: string,
  fields: Record<string, string>,
) {
  const form = new FormData();
  for (const [key, value] of Object.entries(fields)) form.append(key, value);
  const res = await fetch(`${emulator.url}/${route}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${bearer}` },
    body: form,
  });
  return { status: res.status, body: await res.text() };
}

async function get(
  emulator: TestEmulator,
  bearer: string,
  route: string,
  params: Record<string, string>,
) {
  const res = await fetch(`${emulator.url}/${route}?${new URLSearchParams(params).toString()}`, {
    headers: { authorization: `Bearer ${bearer}` },
  });
  return { status: res.status, body: await res.text() };
}

/** A raw request, so that header bytes and dropped connections can be observed. */
function rawRequest(
  emulator: TestEmulator,
  headers: Record<string, string>,
  body: Buffer,
): Promise<{ status: number; body: string } | { error: string }> {
  return new Promise((resolve) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: emulator.port,
        method: 'POST',
        path: '/irods-http-api/0.7.0/data-objects',
        headers,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
        );
      },
    );
    req.on('error', (error: NodeJS.ErrnoException) =>
      resolve({ error: error.code ?? error.message }),
    );
    req.end(body);
  });
}

/** A fresh TCP connection (pooled HTTP connections would hide a closed listener). */
function connectOutcome(port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1', () => {
      socket.destroy();
      resolve('connected');
    });
    socket.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
  });
}

/** What a GET of `${url}/info` answers on a connection of its own ('' when none). */
function answerOnNewConnection(port: number, url: string): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const socket = connect(port, '127.0.0.1', () => {
      const path = `${new URL(url).pathname}/info`;
      socket.end(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`);
    });
    socket.setTimeout(2_000, () => socket.destroy());
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('close', () => resolve(Buffer.concat(chunks).toString('utf8')));
    socket.on('error', () => undefined);
  });
}

describe('emulator persistence', () => {
  let emulator: TestEmulator;
  before(async () => {
    emulator = await startEmulator();
  });
  after(() => emulator.stop());

  it('keeps collections, objects, bytes, AVUs and ACLs across kill -9, and forgets tokens', async () => {
    const bearer = await token(emulator);
    const home = '/tempZone/home/rods';
    assert.match(
      (await post(emulator, bearer, 'collections', { op: 'create', lpath: `${home}/kept` })).body,
      /"created":true/,
    );
    await post(emulator, bearer, 'data-objects', {
      op: 'write',
      lpath: `${home}/kept/a.txt`,
      bytes: 'some data',
    });
    const avu = JSON.stringify([{ operation: 'add', attribute: 'k', value: 'v' }]);
    await post(emulator, bearer, 'data-objects', {
      op: 'modify_metadata',
      lpath: `${home}/kept/a.txt`,
      operations: avu,
    });
    await post(emulator, bearer, 'data-objects', {
      op: 'set_permission',
      lpath: `${home}/kept/a.txt`,
      'entity-name': 'public',
      permission: 'read',
    });

    await emulator.restart();
    assert.equal(
      (await get(emulator, bearer, 'collections', { op: 'stat', lpath: home })).status,
      401,
    );
    const fresh = await token(emulator);
    assert.equal(
      (await get(emulator, fresh, 'data-objects', { op: 'read', lpath: `${home}/kept/a.txt` }))
        .body,
      'some data',
    );
    const stat = JSON.parse(
      (await get(emulator, fresh, 'data-objects', { op: 'stat', lpath: `${home}/kept/a.txt` }))
        .body,
    ) as {
      permissions: { name: string; perm: string }[];
    };
    assert.deepEqual(
      stat.permissions.map((p) => `${p.name}:${p.perm}`),
      ['rods:own', 'public:read_object'],
    );
    const rows = await get(emulator, fresh, 'query', {
      op: 'execute_genquery',
      query: "select DATA_NAME, META_DATA_ATTR_VALUE where META_DATA_ATTR_NAME = 'k'",
    });
    assert.equal(rows.body, '{"irods_response":{"status_code":0},"rows":[["a.txt","v"]]}');
  });
});

describe('emulator transport', () => {
  let emulator: TestEmulator;
  before(async () => {
    emulator = await startEmulator({
      config: { http_server: { requests: { max_size_of_request_body_in_bytes: 1024 } } },
    });
  });
  after(() => emulator.stop());

  it('drops the connection without a response when Content-Length exceeds the limit', async () => {
    const outcome = await rawRequest(
      emulator,
      { 'irods-api-request-op': 'write', 'content-length': '2048' },
      Buffer.alloc(2048),
    );
    assert.ok('error' in outcome, JSON.stringify(outcome));
  });

  it('takes header-form values as UTF-8 bytes, + and all', async () => {
    const bearer = await token(emulator);
    const lpath = '/tempZone/home/rods/ü+é.txt';
    const outcome = await rawRequest(
      emulator,
      {
        authorization: `Bearer ${bearer}`,
        'irods-api-request-op': 'write',
        'irods-api-request-lpath': Buffer.from(lpath, 'utf8').toString('latin1'),
      },
      Buffer.from('hello'),
    );
    assert.deepEqual(outcome, { status: 200, body: '{"irods_response":{"status_code":0}}' });
    const form = await post(emulator, bearer, 'data-objects', { op: 'stat', lpath });
    assert.equal(form.status, 400, 'stat is a GET op');
    const listed = await get(emulator, bearer, 'collections', {
      op: 'list',
      lpath: '/tempZone/home/rods',
    });
    assert.match(listed.body, /ü\+é\.txt/);
  });

  it('injects failures for chosen ops and reports stats', async () => {
    const bearer = await token(emulator);
    await emulator.setFaults({ failRate: 1, status: 500, ops: ['stat'] });
    assert.equal(
      (await get(emulator, bearer, 'collections', { op: 'stat', lpath: '/tempZone' })).status,
      500,
    );
    assert.equal(
      (await get(emulator, bearer, 'collections', { op: 'list', lpath: '/tempZone' })).status,
      200,
    );
    await emulator.clearFaults();
    assert.equal(
      (await get(emulator, bearer, 'collections', { op: 'stat', lpath: '/tempZone' })).status,
      200,
    );
    const stats = await emulator.stats();
    assert.ok(stats.requests! >= 4);
    assert.equal(stats.open_parallel_write_handles, 0);
  });

  it('counts the bytes that writes put into data objects', async () => {
    const bearer = await token(emulator);
    const before = (await emulator.stats()).data_bytes_written!;
    const lpath = '/tempZone/home/rods/counted.bin';
    const form = new FormData();
    for (const [key, value] of Object.entries({ op: 'write', lpath, bytes: 'twelve bytes' })) {
      form.append(key, value);
    }
    const reply = await fetch(`${emulator.url}/data-objects`, {
      method: 'POST',
      headers: { authorization: `Bearer ${bearer}` },
      body: form,
    });
    assert.equal(reply.status, 200);
    assert.equal((await emulator.stats()).data_bytes_written! - before, 12);
  });

  it('refuses connections for a while and then listens again on the same port', async () => {
    // A window wide enough that a loaded machine still connects inside it.
    await emulator.setFaults({ refuseForMs: 2_000 });
    // The emulator stops listening right after it answered; on a loaded machine the answer can
    // arrive, and a connection get in, before it does (and one that got into the kernel's
    // backlog as the listener closed is reset: ECONNRESET).
    let during = await connectOutcome(emulator.port);
    for (let i = 0; during !== 'ECONNREFUSED' && i < 10; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      during = await connectOutcome(emulator.port);
    }
    if (during === 'connected') {
      // The freed port can be taken by another test's server binding port 0 at that moment;
      // what must not answer on a new connection is the emulator.
      const answer = await answerOnNewConnection(emulator.port, emulator.url);
      assert.doesNotMatch(answer, /irods_zone/, 'the emulator answered while refusing');
    } else {
      assert.equal(during, 'ECONNREFUSED');
    }
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    assert.equal(await connectOutcome(emulator.port), 'connected');
    assert.match(await answerOnNewConnection(emulator.port, emulator.url), /irods_zone/);
  });
});

describe('emulator faults and content log', () => {
  let emulator: TestEmulator;
  let bearer: string;
  before(async () => {
    emulator = await startEmulator();
    bearer = await token(emulator);
  });
  after(() => emulator.stop());

  it('drops connections without an answer, then serves again once the faults are cleared', async () => {
    const lpath = '/tempZone/home/rods/dropped.txt';
    const headers = { authorization: `Bearer ${bearer}`, 'irods-api-request-op': 'write' };
    await emulator.setFaults({ dropRate: 1, ops: ['write'] });
    const dropped = await rawRequest(
      emulator,
      { ...headers, 'irods-api-request-lpath': lpath },
      Buffer.from('lost'),
    );
    assert.deepEqual(dropped, { error: 'ECONNRESET' });
    await emulator.clearFaults();
    const served = await rawRequest(
      emulator,
      { ...headers, 'irods-api-request-lpath': lpath },
      Buffer.from('kept'),
    );
    assert.deepEqual(served, { status: 200, body: '{"irods_response":{"status_code":0}}' });
    const writes = await emulator.writes();
    assert.deepEqual(
      writes[lpath]?.map(({ kind, size }) => ({ kind, size })),
      [{ kind: 'write', size: 4 }],
      'the dropped write changed nothing and is not logged',
    );
  });

  it('logs every request that gave an object new content, per path, and nothing else', async () => {
    const home = '/tempZone/home/rods';
    const ok = async (fields: Record<string, string>) => {
      const outcome = await post(emulator, bearer, 'data-objects', fields);
      assert.equal(outcome.status, 200, outcome.body);
      assert.match(outcome.body, /"status_code":0/);
      return outcome.body;
    };
    const once = `${home}/once.txt`;
    await ok({ op: 'write', lpath: once, bytes: 'abc' });
    await ok({ op: 'write', lpath: once, bytes: 'abcdef' });
    await emulator.setFaults({ failRate: 1, ops: ['write'] });
    assert.equal(
      (await post(emulator, bearer, 'data-objects', { op: 'write', lpath: once, bytes: 'x' }))
        .status,
      503,
    );
    await emulator.clearFaults();

    const parallel = `${home}/parallel.bin`;
    const init = JSON.parse(
      await ok({ op: 'parallel_write_init', lpath: parallel, 'stream-count': '2' }),
    ) as { parallel_write_handle: string };
    const handle = init.parallel_write_handle;
    for (const [index, offset] of [
      ['0', '0'],
      ['1', '5'],
    ]) {
      await ok({
        op: 'write',
        'parallel-write-handle': handle,
        'stream-index': index!,
        offset: offset!,
        bytes: 'hello',
      });
    }
    await ok({ op: 'parallel_write_shutdown', 'parallel-write-handle': handle });

    const file = join(emulator.root, 'registered.dat');
    await writeFile(file, 'registered bytes');
    const registered = `${home}/registered.dat`;
    await ok({ op: 'register', lpath: registered, ppath: file, resource: 'demoResc' });
    await ok({
      op: 'modify_replica',
      lpath: registered,
      'replica-number': '0',
      'new-data-size': '20',
    });
    await ok({ op: 'touch', lpath: registered, 'seconds-since-epoch': '1000000' });

    const writes = await emulator.writes();
    const summary = Object.fromEntries(
      Object.entries(writes).map(([path, entries]) => [
        path,
        entries.map(({ kind, size }) => `${kind} ${size}`),
      ]),
    );
    assert.deepEqual(summary, {
      '/tempZone/home/rods/dropped.txt': ['write 4'],
      [once]: ['write 3', 'write 6'],
      [parallel]: ['write 10'],
      [registered]: ['register 16', 'modify 20'],
    });
    const entries = Object.values(writes).flat();
    assert.ok(entries.every((entry) => Math.abs(entry.at - Date.now()) < 600_000));
  });

  it('carries out a request whose answer it then loses', async () => {
    const lpath = '/tempZone/home/rods/answer-lost.txt';
    const headers = { authorization: `Bearer ${bearer}`, 'irods-api-request-op': 'write' };
    await emulator.setFaults({ lostAnswerRate: 1, ops: ['write', 'register'] });
    const lost = await rawRequest(
      emulator,
      { ...headers, 'irods-api-request-lpath': lpath },
      Buffer.from('landed'),
    );
    assert.deepEqual(lost, { error: 'ECONNRESET' });
    const file = join(emulator.root, 'registered-lost.txt');
    await writeFile(file, 'abc');
    const register = await post(emulator, bearer, 'data-objects', {
      op: 'register',
      lpath: '/tempZone/home/rods/registered-lost.txt',
      ppath: file,
      resource: 'demoResc',
    }).catch((error: unknown) => ({ error }));
    assert.ok('error' in register, 'the register got no answer');
    // Other ops are answered.
    const stat = await get(emulator, bearer, 'data-objects', { op: 'stat', lpath });
    assert.equal(stat.status, 200);
    assert.match(stat.body, /"size":6/);
    await emulator.clearFaults();
    const writes = await emulator.writes();
    assert.deepEqual(
      writes[lpath]?.map(({ kind, size }) => ({ kind, size })),
      [{ kind: 'write', size: 6 }],
      'the write whose answer was lost is in the object and in the log',
    );
    assert.deepEqual(
      writes['/tempZone/home/rods/registered-lost.txt']?.map(({ kind, size }) => ({ kind, size })),
      [{ kind: 'register', size: 3 }],
    );
  });
});
