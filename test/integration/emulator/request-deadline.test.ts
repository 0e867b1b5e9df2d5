import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ADMIN_HOME, RawConnection, requestHead, sleep, unique } from './http.js';
import { useEmulatorSession } from './session.js';

// Spec §1.4: `requests/timeout_in_seconds` (2 s here) is one deadline for the whole request,
// armed when the server starts reading it and never extended; past it the socket is closed.
// Only raw connections are used after the login, so that no pooled keep-alive socket is reused
// while the server closes it.

const deadlineMs = 2_000;

const fx = useEmulatorSession({
  emulator: { config: { http_server: { requests: { timeout_in_seconds: 2 } } } },
});

function slowWrite(lpath: string, length: number): RawConnection {
  const connection = new RawConnection(fx.emu.port);
  connection.write(
    requestHead(fx.emu, 'POST', '/data-objects', {
      Authorization: `Bearer ${fx.rods.token}`,
      'irods-api-request-op': 'write',
      'irods-api-request-lpath': lpath,
      'Content-Length': length,
    }),
  );
  return connection;
}

describe('request deadline (§1.4)', () => {
  it('closes an idle keep-alive connection once the deadline passes', async () => {
    const connection = new RawConnection(fx.emu.port);
    connection.write(requestHead(fx.emu, 'GET', '/info', { Connection: 'keep-alive' }));
    await sleep(200);
    assert.equal(connection.status(), 200);
    const idleSince = Date.now();
    const outcome = await connection.outcome(deadlineMs + 3_000);
    const idle = Date.now() - idleSince;
    assert.equal(outcome.closed, true, 'closed');
    assert.ok(idle >= deadlineMs - 500, `closed after ${idle} ms idle`);
  });

  it('cuts off an upload that stalls, without a response', async () => {
    const connection = slowWrite(`${ADMIN_HOME}/${unique('stalled')}`, 100);
    connection.write('0123456789');
    const outcome = await connection.outcome(deadlineMs + 3_000);
    assert.equal(outcome.closed, true, 'closed');
    assert.equal(connection.status(), undefined, outcome.received.toString('latin1'));
  });

  it('does not extend the deadline while bytes keep arriving', async () => {
    const started = Date.now();
    const connection = slowWrite(`${ADMIN_HOME}/${unique('trickle')}`, 100);
    let closed = false;
    const outcome = connection.outcome(deadlineMs + 3_000).then((result) => {
      closed = true;
      return result;
    });
    for (let sent = 0; sent < 100 && !closed; sent++) {
      connection.write('x');
      await sleep(200);
    }
    const result = await outcome;
    const elapsed = Date.now() - started;
    assert.equal(result.closed, true, 'closed');
    assert.equal(connection.status(), undefined, result.received.toString('latin1'));
    assert.ok(elapsed < deadlineMs + 2_000, `closed after ${elapsed} ms`);
  });

  it('answers a request that finishes in time', async () => {
    const lpath = `${ADMIN_HOME}/${unique('quick')}`;
    const connection = new RawConnection(fx.emu.port);
    connection.write(
      requestHead(fx.emu, 'POST', '/data-objects', {
        Authorization: `Bearer ${fx.rods.token}`,
        'irods-api-request-op': 'write',
        'irods-api-request-lpath': lpath,
        'Content-Length': 5,
        Connection: 'close',
      }),
    );
    connection.write('hello');
    await connection.outcome();
    assert.equal(connection.status(), 200);
  });
});
