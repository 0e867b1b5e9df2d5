import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startEmulator, type TestEmulator } from '../../helpers/emulator.js';
import {
  ADMIN_HOME,
  URLENCODED,
  Session,
  code,
  emptyError,
  ok,
  parse,
  send,
  sha2,
  unique,
} from './http.js';

// Spec §1 (transport, dispatch, decoding), §4 (/info) and §8 items 1, 2, 3, 5, 6 and 26.

let emu: TestEmulator;
let rods: Session;

before(async () => {
  emu = await startEmulator();
  rods = await Session.login(emu);
});

after(async () => {
  await emu?.stop();
});

const noSuchToken = '00000000-0000-4000-8000-000000000000';

describe('routes (§1.1, §8 item 1)', () => {
  it('answers 404 with an empty body for another API version', async () => {
    const reply = await send(emu, { path: '/irods-http-api/0.6.0/info', raw: true });
    emptyError(reply, 404);
  });

  it('answers 404 for paths outside the versioned prefix, even /info', async () => {
    emptyError(await send(emu, { path: '/info', raw: true }), 404);
    emptyError(await send(emu, { path: '/', raw: true }), 404);
    emptyError(await send(emu, { path: '/irods-http-api/info', raw: true }), 404);
  });

  it('answers 404 for an unknown route and for a trailing slash', async () => {
    emptyError(await rods.get('/no-such-route', { op: 'stat' }), 404);
    emptyError(await rods.get('/collections/', { op: 'stat', lpath: ADMIN_HOME }), 404);
  });

  it('ignores the query string when routing', async () => {
    const reply = await send(emu, { path: '/info', query: 'x=/collections' });
    assert.equal(reply.status, 200);
  });

  it('answers 405 for a method with no ops on the route', async () => {
    emptyError(await send(emu, { method: 'POST', path: '/info' }), 405);
    emptyError(await send(emu, { method: 'GET', path: '/authenticate' }), 405);
  });

  it('routes GET and POST on /tickets (0.7.0 has ops for both), unknown ops being 400', async () => {
    emptyError(await rods.get('/tickets', { op: 'invalid_op' }), 400);
    emptyError(await rods.post('/tickets', { op: 'invalid_op' }), 400);
  });

  it('sends the Server header on every response, errors included', async () => {
    const expected = /^irods_http_api\/0\.7\.0 \(\S+\)$/;
    const replies = [
      await send(emu, { path: '/info' }),
      await send(emu, { path: '/nothing' }),
      await send(emu, { method: 'DELETE', path: '/collections' }),
      await rods.statCollection(ADMIN_HOME),
    ];
    for (const reply of replies) assert.match(String(reply.headers.server), expected);
  });
});

describe('dispatch order (§1.2, §8 item 2)', () => {
  it('refuses other methods with 405 before authentication', async () => {
    for (const method of ['DELETE', 'PUT', 'PATCH']) {
      emptyError(await send(emu, { method, path: '/collections' }), 405);
    }
    const head = await send(emu, { method: 'HEAD', path: '/data-objects' });
    assert.equal(head.status, 405);
  });

  it('checks the POST Content-Type before op and authentication', async () => {
    const missing = await send(emu, {
      method: 'POST',
      path: '/collections',
      headers: { authorization: `Bearer ${noSuchToken}` },
      body: Buffer.from('op=stat'),
    });
    emptyError(missing, 400);
    const wrong = await send(emu, {
      method: 'POST',
      path: '/collections',
      headers: { authorization: `Bearer ${noSuchToken}`, 'content-type': 'text/plain' },
      body: 'op=create&lpath=/x',
    });
    emptyError(wrong, 400);
  });

  it('refuses multipart/form-data without a boundary parameter', async () => {
    const lpath = `${ADMIN_HOME}/${unique('no-boundary')}`;
    const part = (name: string, value: string) =>
      `--b\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`;
    const body = `${part('op', 'create')}${part('lpath', lpath)}--b--\r\n`;
    emptyError(await rods.postRaw('/collections', body, 'multipart/form-data'), 400);
    ok(await rods.postRaw('/collections', body, 'multipart/form-data; boundary=b'));
  });

  it('accepts the form Content-Type case-insensitively and with parameters', async () => {
    const lpath = `${ADMIN_HOME}/${unique('ctype')}`;
    const reply = await rods.postRaw(
      '/collections',
      `op=create&lpath=${encodeURIComponent(lpath)}`,
      'Application/X-WWW-Form-URLEncoded; charset=utf-8',
    );
    assert.equal(ok(reply).created, true);
  });

  it('refuses a missing op with 400 before authentication', async () => {
    const reply = await send(emu, {
      path: '/collections',
      query: `lpath=${ADMIN_HOME}`,
      headers: { authorization: `Bearer ${noSuchToken}` },
    });
    emptyError(reply, 400);
  });

  it('refuses an op of the other method with 400, not 405, before authentication', async () => {
    emptyError(await rods.get('/collections', { op: 'create', lpath: `${ADMIN_HOME}/x` }), 400);
    const unauthenticated = await send(emu, {
      path: '/collections',
      query: 'op=create&lpath=/tempZone/home/rods/x',
      headers: { authorization: `Bearer ${noSuchToken}` },
    });
    emptyError(unauthenticated, 400);
    emptyError(await rods.post('/data-objects', { op: 'read', lpath: `${ADMIN_HOME}/x` }), 400);
    emptyError(await rods.get('/collections', { op: 'no_such_op', lpath: ADMIN_HOME }), 400);
  });

  it('answers 400 without Authorization or without "Bearer ", 401 for an unknown token', async () => {
    const query = `op=stat&lpath=${ADMIN_HOME}`;
    emptyError(await send(emu, { path: '/collections', query }), 400);
    const noBearer = await send(emu, {
      path: '/collections',
      query,
      headers: { authorization: `Token ${rods.token}` },
    });
    emptyError(noBearer, 400);
    const unknown = await send(emu, {
      path: '/collections',
      query,
      headers: { authorization: `Bearer ${noSuchToken}` },
    });
    emptyError(unknown, 401);
  });

  it('finds "Bearer " anywhere in the header and trims the token', async () => {
    const reply = await send(emu, {
      path: '/collections',
      query: `op=stat&lpath=${ADMIN_HOME}`,
      headers: { authorization: `Scheme Bearer   ${rods.token}  ` },
    });
    ok(reply);
  });

  it('checks operation parameters after authentication', async () => {
    const unauthenticated = await send(emu, { path: '/collections', query: 'op=stat' });
    emptyError(unauthenticated, 400);
    const badToken = await send(emu, {
      path: '/collections',
      query: 'op=stat',
      headers: { authorization: `Bearer ${noSuchToken}` },
    });
    emptyError(badToken, 401);
    emptyError(await rods.get('/collections', { op: 'stat' }), 400);
  });

  it('answers failures with application/json and an empty body', async () => {
    const reply = await rods.get('/collections', { op: 'stat' });
    assert.match(String(reply.headers['content-type']), /^application\/json/);
    emptyError(reply, 400);
  });

  it('takes POST parameters from the body only, ignoring the query string', async () => {
    const inQuery = `${ADMIN_HOME}/${unique('query')}`;
    const inBody = `${ADMIN_HOME}/${unique('body')}`;
    const reply = await send(emu, {
      method: 'POST',
      path: '/collections',
      query: `op=create&lpath=${encodeURIComponent(inQuery)}`,
      headers: { authorization: `Bearer ${rods.token}`, 'content-type': URLENCODED },
      body: `op=create&lpath=${encodeURIComponent(inBody)}`,
    });
    assert.equal(ok(reply).created, true);
    ok(await rods.statCollection(inBody));
    assert.equal(code(await rods.statCollection(inQuery)), -170000);
  });

  it('takes GET parameters from the query string only, ignoring a body', async () => {
    const missing = `${ADMIN_HOME}/${unique('missing')}`;
    const reply = await send(emu, {
      path: '/collections',
      query: `op=stat&lpath=${missing}`,
      headers: { authorization: `Bearer ${rods.token}`, 'content-type': URLENCODED },
      body: `op=stat&lpath=${ADMIN_HOME}`,
    });
    assert.equal(code(reply), -170000);
    const noQuery = await send(emu, {
      path: '/collections',
      headers: { authorization: `Bearer ${rods.token}`, 'content-type': URLENCODED },
      body: `op=stat&lpath=${ADMIN_HOME}`,
    });
    emptyError(noQuery, 400);
  });
});

describe('parameter decoding (§1.3, §8 item 3)', () => {
  it('percent-decodes values, then turns every + into a space', async () => {
    const base = `${ADMIN_HOME}/${unique('plus')}`;
    await rods.mkdir(base);
    ok(await rods.postRaw('/collections', `op=create&lpath=${encodeURIComponent(`${base}/a+b`)}`));
    ok(await rods.postRaw('/collections', `op=create&lpath=${base}/c+d`));
    const list = ok(await rods.get('/collections', { op: 'list', lpath: base }));
    assert.deepEqual(list.entries, [`${base}/a b`, `${base}/c d`]);
    ok(await rods.getRaw('/collections', `op=stat&lpath=${encodeURIComponent(`${base}/a+b`)}`));
    ok(await rods.getRaw('/collections', `op=stat&lpath=${base}/c+d`));
  });

  it('decodes percent-encoded UTF-8', async () => {
    const base = `${ADMIN_HOME}/${unique('utf8')}`;
    await rods.mkdir(base);
    ok(await rods.postRaw('/collections', `op=create&lpath=${base}/%C3%BCber%20all`));
    const list = ok(await rods.get('/collections', { op: 'list', lpath: base }));
    assert.deepEqual(list.entries, [`${base}/über all`]);
  });

  it('drops a pair whose value holds a raw =', async () => {
    const base = `${ADMIN_HOME}/${unique('equals')}`;
    await rods.mkdir(base);
    emptyError(await rods.postRaw('/collections', `op=create&lpath=${base}/x=y`), 400);
    emptyError(await rods.getRaw('/collections', `op=stat&lpath=${base}=`), 400);
    ok(await rods.getRaw('/collections', `op=stat&lpath=${base}&junk=a=b`));
    const encoded = await rods.postRaw('/collections', `op=create&lpath=${base}/x%3Dy`);
    assert.equal(ok(encoded).created, true);
    ok(await rods.statCollection(`${base}/x=y`));
  });

  it('does not percent-decode keys', async () => {
    emptyError(await rods.getRaw('/collections', `op=stat&%6Cpath=${ADMIN_HOME}`), 400);
    emptyError(await rods.getRaw('/collections', `%6Fp=stat&lpath=${ADMIN_HOME}`), 400);
  });

  it('lets the last of repeated keys win', async () => {
    const missing = `${ADMIN_HOME}/${unique('missing')}`;
    ok(await rods.getRaw('/collections', `op=stat&lpath=${missing}&lpath=${ADMIN_HOME}`));
    const reply = await rods.getRaw('/collections', `op=stat&lpath=${ADMIN_HOME}&lpath=${missing}`);
    assert.equal(code(reply), -170000);
  });

  it('treats a key without = as present with an empty value', async () => {
    const lpath = `${ADMIN_HOME}/${unique('flag')}/child`;
    const reply = await rods.postRaw(
      '/collections',
      `op=create&lpath=${lpath}&create-intermediates`,
    );
    assert.equal(code(reply), -358000);
  });

  it('keeps multipart values verbatim: +, %XX, = and embedded CRLF', async () => {
    const base = `${ADMIN_HOME}/${unique('multipart')}`;
    await rods.mkdir(base);
    const odd = `${base}/a+b%41=c`;
    const bytes = 'look, an embedded \r\n CRLF, a + and %41 and a=b\r\n--\r\n';
    ok(await rods.postMultipart('/data-objects', { op: 'write', lpath: odd, bytes }));
    const list = ok(await rods.get('/collections', { op: 'list', lpath: base }));
    assert.deepEqual(list.entries, [odd]);
    assert.equal(await rods.checksum(odd), sha2(bytes));
    const plain = `${base}/plain.txt`;
    ok(await rods.postMultipart('/data-objects', { op: 'write', lpath: plain, bytes }));
    assert.equal((await rods.content(plain)).toString('utf8'), bytes);
    assert.equal(await rods.checksum(plain), sha2(bytes));
  });

  it('reads hand-built multipart: unquoted names, part headers ignored, binary kept', async () => {
    const lpath = `${ADMIN_HOME}/${unique('binary')}`;
    const payload = Buffer.from([0, 1, 2, 13, 10, 45, 45, 255, 254, 13, 10]);
    const boundary = 'b0undary';
    const part = (head: string, value: Buffer | string) =>
      Buffer.concat([
        Buffer.from(`--${boundary}\r\n${head}\r\n\r\n`),
        Buffer.from(value),
        Buffer.from('\r\n'),
      ]);
    const body = Buffer.concat([
      part('Content-Disposition: form-data; name=op', 'write'),
      part('Content-Disposition: form-data; name="lpath"', lpath),
      part(
        'Content-Disposition: form-data; name="bytes"; filename="x.bin"\r\nContent-Type: image/png',
        payload,
      ),
      Buffer.from(`--${boundary}--\r\n`),
    ]);
    ok(await rods.postRaw('/data-objects', body, `multipart/form-data; boundary=${boundary}`));
    assert.deepEqual(await rods.content(lpath), payload);
  });
});

describe('response format (§1.5, §3, §8 items 5 and 6)', () => {
  it('reports iRODS failures as HTTP 200 with a negative status_code', async () => {
    const lpath = `${ADMIN_HOME}/${unique('nowhere')}/child`;
    const reply = await rods.post('/collections', { op: 'create', lpath });
    assert.equal(reply.status, 200);
    assert.equal(
      reply.text,
      '{"irods_response":{"status_code":-358000,"status_message":"path does not exist: OBJ_PATH_DOES_NOT_EXIST"}}',
    );
  });

  it('leaves out status_message when iRODS gave a plain return code', async () => {
    const lpath = `${ADMIN_HOME}/${unique('gone')}`;
    const reply = await rods.post('/data-objects', {
      op: 'remove',
      lpath,
      'catalog-only': 0,
      'no-trash': 1,
    });
    assert.equal(reply.status, 200);
    assert.equal(reply.text, '{"irods_response":{"status_code":-808000}}');
  });

  it('writes compact JSON with keys sorted at every level', async () => {
    const reply = await rods.statCollection(ADMIN_HOME);
    const body = parse(reply);
    assert.equal(
      reply.text,
      `{"inheritance_enabled":false,"irods_response":{"status_code":0},"modified_at":${String(body.modified_at)},` +
        '"permissions":[{"name":"rods","perm":"own","type":"rodsadmin","zone":"tempZone"}],' +
        '"registered":true,"type":"collection"}',
    );
    assert.equal(typeof body.modified_at, 'number');
  });
});

describe('/info (§4, §8 item 26)', () => {
  const expectedWithout = (build: string) =>
    `{"api_version":"0.7.0","build":${JSON.stringify(build)},"irods_zone":"tempZone",` +
    '"max_number_of_rows_per_catalog_query":15,"max_number_of_streams_per_parallel_write_handle":3,' +
    '"max_size_of_request_body_in_bytes":8388608,"openid_connect_enabled":false}';

  it('answers without authentication, with the documented fields and defaults', async () => {
    const reply = await send(emu, { path: '/info' });
    assert.equal(reply.status, 200);
    const body = parse(reply);
    assert.equal(typeof body.build, 'string');
    assert.equal(reply.text, expectedWithout(String(body.build)));
    assert.equal('irods_server_version' in body, false);
  });

  it('adds irods_server_version only for a valid bearer token', async () => {
    const valid = parse(
      await send(emu, { path: '/info', headers: { authorization: `Bearer ${rods.token}` } }),
    );
    assert.match(String(valid.irods_server_version), /^rods\d+\.\d+\.\d+$/);
    const invalid = await send(emu, {
      path: '/info',
      headers: { authorization: `Bearer ${noSuchToken}` },
    });
    assert.equal(invalid.status, 200);
    assert.equal(invalid.text, expectedWithout(String(parse(invalid).build)));
  });
});
