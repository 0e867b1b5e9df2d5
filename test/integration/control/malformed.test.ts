import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { startControlServer, type ControlServer } from '../../../src/control/server.js';
import { jobStatus, MemoryTarget } from './memory-target.js';
import { exchange, json, send } from './socket-http.js';

/** mulberry32: the same "random" requests on every run, so a failure can be replayed. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const MiB = 1024 * 1024;

describe('malformed requests on the control socket', () => {
  let dir: string;
  let socketPath: string;
  let server: ControlServer;
  const target = new MemoryTarget([jobStatus('m1')]);
  const errors: string[] = [];
  const logger = {
    error: (message: string) => errors.push(message),
    warn: () => undefined,
    debug: () => undefined,
  };

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ctl-fuzz-'));
    socketPath = join(dir, 'ctl.sock');
    server = await startControlServer({
      socketPath,
      target,
      logger,
      headersTimeoutMs: 1_000,
      requestTimeoutMs: 2_000,
    });
  });
  after(async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('survives 1,000 of them and still answers status', async () => {
    const next = random(20261129);
    const bytes = (n: number) =>
      Buffer.from(Array.from({ length: n }, () => Math.floor(next() * 256)));
    const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!;
    const known = [
      '/v1/status',
      '/v1/jobs',
      '/v1/jobs/m1',
      '/v1/jobs/m1/stop',
      '/v1/reload',
      '/v1/events',
    ];
    const outcomes = new Map<string, number>();
    const count = (kind: string) => outcomes.set(kind, (outcomes.get(kind) ?? 0) + 1);

    // Each kind returns what it observed; the assertion is that every one ends (answer or
    // close), none with a 500, and that the server is still fine afterwards.
    const kinds: (() => Promise<string>)[] = [
      async () => {
        const result = await exchange(socketPath, bytes(1 + Math.floor(next() * 2048)));
        assert.ok(result.closed, 'random bytes: the server must close the connection');
        return 'random bytes';
      },
      async () => {
        const body = bytes(1 + Math.floor(next() * 200)).toString('latin1');
        const answer = await send(socketPath, 'POST', '/v1/jobs', `{${body}`);
        assert.equal(answer.status, 400);
        assert.equal((json(answer) as { error: { code: string } }).error.code, 'bad-request');
        return 'bad JSON';
      },
      async () => {
        const answer = await send(
          socketPath,
          pick(['GET', 'POST']),
          `/v1/${bytes(8).toString('hex')}`,
        );
        assert.equal(answer.status, 404);
        return 'unknown route';
      },
      async () => {
        const answer = await send(
          socketPath,
          pick(['PUT', 'DELETE', 'PATCH', 'OPTIONS']),
          pick(known),
        );
        assert.equal(answer.status, 405);
        return 'wrong method';
      },
      async () => {
        const line = `${pick(['FOO', 'G ET', '\u0000', 'GET'])} ${pick(known)} ${pick(['HTTP/9.9', 'HTTX/1.1', ''])}\r\n\r\n`;
        const result = await exchange(socketPath, line);
        assert.ok(result.closed);
        return 'broken request line';
      },
      async () => {
        const result = await exchange(
          socketPath,
          `GET /v1/status HTTP/1.1\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`,
        );
        assert.match(result.received, /^HTTP\/1\.1 431 /);
        return 'huge headers';
      },
      async () => {
        const result = await exchange(
          socketPath,
          'POST /v1/jobs HTTP/1.1\r\nContent-Length: 100\r\n\r\n{"name": "tr',
        );
        assert.ok(result.closed);
        return 'body cut short';
      },
      async () => {
        const path = pick([
          `/v1/jobs/%${bytes(1).toString('hex')[0]!}Z`,
          `/v1/${'x'.repeat(8_000)}`,
        ]);
        const answer = await send(socketPath, 'GET', path);
        assert.ok(answer.status === 400 || answer.status === 404, String(answer.status));
        assert.ok(answer.text.length < 1_000, 'the path must not be echoed in full');
        return 'bad path';
      },
      async () => {
        const result = await exchange(
          socketPath,
          'POST /v1/jobs HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n',
        );
        assert.match(result.received, /^HTTP\/1\.1 400 /);
        return 'bad chunking';
      },
      async () => {
        const answer = await send(socketPath, 'POST', '/v1/jobs/m1/rescan', bytes(512));
        assert.equal(answer.status, 200);
        return 'body where none is expected';
      },
    ];

    const total = 1_000;
    const hugeEvery = 200;
    let started = 0;
    const worker = async () => {
      while (started < total) {
        const i = started++;
        if (i % hugeEvery === 0) {
          // A few 10 MiB bodies among the rest: refused with 413 without being read.
          const result = await exchange(
            socketPath,
            Buffer.concat([
              Buffer.from(`POST /v1/jobs HTTP/1.1\r\nContent-Length: ${10 * MiB}\r\n\r\n`),
              Buffer.alloc(10 * MiB, 0x20),
            ]),
          );
          assert.match(result.received, /^HTTP\/1\.1 413 /);
          count('10 MiB body');
          continue;
        }
        count(await pick(kinds)());
      }
    };
    await Promise.all(Array.from({ length: 8 }, worker));

    assert.equal(
      [...outcomes.values()].reduce((a, b) => a + b, 0),
      total,
    );
    assert.ok(outcomes.size >= kinds.length, `every kind ran: ${[...outcomes.keys()].join(', ')}`);
    assert.deepEqual(errors, []);
    const status = await send(socketPath, 'GET', '/v1/status');
    assert.equal(status.status, 200);
    assert.equal((json(status) as { ready: boolean }).ready, true);
  });

  it('answers a 10 MiB body with 413 too-large and closes without reading it', async () => {
    const result = await exchange(
      socketPath,
      Buffer.concat([
        Buffer.from(
          `POST /v1/jobs HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n${(10 * MiB).toString(16)}\r\n`,
        ),
        Buffer.alloc(10 * MiB, 0x7b),
        Buffer.from('\r\n0\r\n\r\n'),
      ]),
    );
    assert.ok(result.closed);
    assert.match(result.received, /^HTTP\/1\.1 413 /);
    assert.match(result.received, /"code":"too-large"/);
    assert.match(result.received, /Connection: close/i);
  });

  it('refuses an announced oversized body before it is sent (Expect: 100-continue)', async () => {
    const result = await exchange(
      socketPath,
      `POST /v1/jobs HTTP/1.1\r\nContent-Length: ${10 * MiB}\r\nExpect: 100-continue\r\n\r\n`,
      { keepOpen: true },
    );
    assert.match(result.received, /^HTTP\/1\.1 413 /);
    assert.doesNotMatch(result.received, /100 Continue/);
  });

  it('keeps an events stream open past the request deadlines', async () => {
    const result = exchange(socketPath, 'GET /v1/events HTTP/1.1\r\n\r\n', {
      keepOpen: true,
      timeoutMs: 3_500,
    });
    await sleep(3_000);
    target.emit({ at: '2026-11-29T10:00:00.000Z', kind: 'log', message: 'still here' });
    const { received, closed } = await result;
    assert.equal(closed, false, 'the stream must outlive the 2 s request deadline');
    assert.match(received, /^HTTP\/1\.1 200 /);
    assert.match(received, /"message":"still here"/);
  });

  it('cuts off a client that never finishes its headers, answering others meanwhile', async () => {
    const started = Date.now();
    const slow = exchange(socketPath, 'GET /v1/status HTTP/1.1\r\nHost: x\r\nX-Slow: ', {
      keepOpen: true,
      timeoutMs: 10_000,
    });
    assert.equal((await send(socketPath, 'GET', '/v1/status')).status, 200);
    const result = await slow;
    assert.ok(result.closed, 'the stalled connection must be closed by the server');
    assert.match(result.received, /^HTTP\/1\.1 408 /);
    assert.ok(Date.now() - started < 5_000, `closed after ${Date.now() - started} ms`);
  });
});
