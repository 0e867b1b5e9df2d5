import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startEmulator, type TestEmulator } from '../../helpers/emulator.js';
import { ADMIN_HOME, basic, emptyError, ok, parse, send, sleep, type Reply } from './http.js';

// Spec §2 (authentication) and §8 item 4. Tokens live 2 s here so that expiry can be observed;
// every other test uses its token at once.

const lifetimeMs = 2_000;
let emu: TestEmulator;

before(async () => {
  emu = await startEmulator({
    config: { http_server: { authentication: { basic: { timeout_in_seconds: 2 } } } },
  });
});

after(async () => {
  await emu?.stop();
});

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function login(authorization?: string, method = 'POST'): Promise<Reply> {
  return send(emu, {
    method,
    path: '/authenticate',
    headers: authorization === undefined ? {} : { authorization },
  });
}

function statHome(token: string): Promise<Reply> {
  return send(emu, {
    path: '/collections',
    query: `op=stat&lpath=${ADMIN_HOME}`,
    headers: { authorization: `Bearer ${token}` },
  });
}

describe('POST /authenticate (§2.1)', () => {
  it('returns a bare UUID token as text/plain for correct credentials', async () => {
    const reply = await login(basic('rods', 'rods'));
    assert.equal(reply.status, 200);
    assert.match(String(reply.headers['content-type']), /^text\/plain/);
    assert.match(reply.text, uuid);
    ok(await statHome(reply.text));
  });

  it('refuses every other method with 405', async () => {
    for (const method of ['GET', 'PUT', 'DELETE', 'PATCH']) {
      emptyError(await login(basic('rods', 'rods'), method), 405);
    }
    assert.equal((await login(basic('rods', 'rods'), 'HEAD')).status, 405);
  });

  it('answers 400 without an Authorization header or without "Basic "', async () => {
    emptyError(await login(), 400);
    emptyError(await login(`Bearer ${Buffer.from('rods:rods').toString('base64')}`), 400);
  });

  it('answers 401 for empty, wrong or unknown credentials', async () => {
    emptyError(await login('Basic Og=='), 401);
    emptyError(await login(basic('rods', 'wrong')), 401);
    emptyError(await login(basic('nobody', 'rods')), 401);
    emptyError(await login(basic('rods', '')), 401);
    emptyError(await login(basic('', 'rods')), 401);
  });

  it('answers 401 when the decoded credentials exceed 128 bytes', async () => {
    emptyError(await login(basic('rods', 'x'.repeat(200))), 401);
  });

  it('lets anonymous in with an empty password', async () => {
    const reply = await login(basic('anonymous', ''));
    assert.equal(reply.status, 200);
    assert.match(reply.text, uuid);
  });

  it('finds "Basic " anywhere in the header and trims what follows', async () => {
    const encoded = Buffer.from('rods:rods').toString('base64');
    const reply = await login(`Custom Basic   ${encoded}  `);
    assert.equal(reply.status, 200);
    assert.match(reply.text, uuid);
  });

  it('issues a new token each time without revoking the older ones', async () => {
    const first = (await login(basic('rods', 'rods'))).text;
    const second = (await login(basic('rods', 'rods'))).text;
    assert.notEqual(first, second);
    ok(await statHome(first));
    ok(await statHome(second));
  });
});

describe('token lifetime (§2.2)', () => {
  it('refuses a token with 401 once its lifetime from issue has passed, use does not extend it', async () => {
    const issued = Date.now();
    const token = (await login(basic('rods', 'rods'))).text;
    ok(await statHome(token));
    await sleep(lifetimeMs / 2 - (Date.now() - issued));
    ok(await statHome(token));
    const fresh = (await login(basic('rods', 'rods'))).text;
    await sleep(lifetimeMs + 300 - (Date.now() - issued));
    emptyError(await statHome(token), 401);
    ok(await statHome(fresh));
    const info = parse(
      await send(emu, { path: '/info', headers: { authorization: `Bearer ${token}` } }),
    );
    assert.equal('irods_server_version' in info, false);
  });
});
