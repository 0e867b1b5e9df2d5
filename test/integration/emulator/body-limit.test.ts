import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ADMIN_HOME,
  RawConnection,
  URLENCODED,
  code,
  encodeParams,
  ok,
  parse,
  requestHead,
  send,
  unique,
} from './http.js';
import { useEmulatorSession } from './session.js';

// Spec §1.4 and §8 item 14: a request body over `max_size_of_request_body_in_bytes` (1024 here)
// loses its connection without any HTTP response.

const limit = 1024;

const fx = useEmulatorSession({
  emulator: {
    config: { http_server: { requests: { max_size_of_request_body_in_bytes: limit } } },
  },
});

function objectPath(prefix: string): string {
  return `${ADMIN_HOME}/${unique(prefix)}`;
}

function assertDropped(outcome: { received: Buffer; closed: boolean }): void {
  assert.equal(outcome.closed, true, 'the server closed the connection');
  assert.equal(outcome.received.length, 0, `no response bytes: ${outcome.received.toString()}`);
}

describe('request body limit (§1.4, §8 item 14)', () => {
  it('reports the configured limit in /info', async () => {
    const info = parse(await send(fx.emu, { path: '/info' }));
    assert.equal(info.max_size_of_request_body_in_bytes, limit);
  });

  it('accepts a header-form write of exactly the limit', async () => {
    const lpath = objectPath('at-limit');
    ok(await fx.rods.headerWrite({ lpath }, Buffer.alloc(limit, 'a')));
    assert.equal(ok(await fx.rods.statObject(lpath)).size, limit);
  });

  it('drops a header-form write as soon as its Content-Length exceeds the limit', async () => {
    const lpath = objectPath('over-limit');
    const connection = new RawConnection(fx.emu.port);
    connection.write(
      requestHead(fx.emu, 'POST', '/data-objects', {
        Authorization: `Bearer ${fx.rods.token}`,
        'irods-api-request-op': 'write',
        'irods-api-request-lpath': lpath,
        'Content-Type': 'application/octet-stream',
        'Content-Length': limit + 1,
      }),
    );
    assertDropped(await connection.outcome());
    assert.equal(code(await fx.rods.statObject(lpath)), -171000);
  });

  it('drops an urlencoded form over the limit', async () => {
    const lpath = objectPath('form');
    const body = encodeParams({ op: 'write', lpath, bytes: 'b'.repeat(limit) });
    const connection = new RawConnection(fx.emu.port);
    connection.write(
      requestHead(fx.emu, 'POST', '/data-objects', {
        Authorization: `Bearer ${fx.rods.token}`,
        'Content-Type': URLENCODED,
        'Content-Length': Buffer.byteLength(body),
      }),
    );
    connection.write(body);
    assertDropped(await connection.outcome());
    assert.equal(code(await fx.rods.statObject(lpath)), -171000);
  });

  it('counts multipart framing: a payload under the limit can still exceed it', async () => {
    const lpath = objectPath('framed');
    const boundary = 'limit-boundary';
    const part = (name: string, value: string) =>
      `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`;
    const body = `${part('op', 'write')}${part('lpath', lpath)}${part('bytes', 'p'.repeat(limit - 100))}--${boundary}--\r\n`;
    assert.ok(Buffer.byteLength(body) > limit);
    const connection = new RawConnection(fx.emu.port);
    connection.write(
      requestHead(fx.emu, 'POST', '/data-objects', {
        Authorization: `Bearer ${fx.rods.token}`,
        'Content-Type': `multipart/form-data; boundary=${boundary}`,
        'Content-Length': Buffer.byteLength(body),
      }),
    );
    connection.write(body);
    assertDropped(await connection.outcome());
    assert.equal(code(await fx.rods.statObject(lpath)), -171000);
  });

  it('drops a chunked form body once it grows past the limit', async () => {
    const lpath = objectPath('chunked');
    const connection = new RawConnection(fx.emu.port);
    connection.write(
      requestHead(fx.emu, 'POST', '/data-objects', {
        Authorization: `Bearer ${fx.rods.token}`,
        'Content-Type': URLENCODED,
        'Transfer-Encoding': 'chunked',
      }),
    );
    const body = encodeParams({ op: 'write', lpath, bytes: 'c'.repeat(2 * limit) });
    for (let at = 0; at < body.length; at += 512) {
      const piece = body.slice(at, at + 512);
      connection.write(`${Buffer.byteLength(piece).toString(16)}\r\n${piece}\r\n`);
    }
    connection.write('0\r\n\r\n');
    assertDropped(await connection.outcome());
    assert.equal(code(await fx.rods.statObject(lpath)), -171000);
  });

  it('keeps serving requests under the limit afterwards', async () => {
    const lpath = objectPath('after');
    await fx.rods.put(lpath, 'still here');
    assert.equal((await fx.rods.content(lpath)).toString(), 'still here');
  });
});
