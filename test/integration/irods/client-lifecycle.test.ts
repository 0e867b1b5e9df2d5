import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { IrodsClient, IrodsError, IrodsOptionError } from '../../../src/irods/index.js';
import { startEmulator, type TestEmulator } from '../../helpers/emulator.js';
import { connect, HOME, PASSWORD } from './setup.js';

describe('IrodsClient connect, credentials and lifecycle', () => {
  let emulator: TestEmulator;
  before(async () => {
    emulator = await startEmulator();
  });
  after(() => emulator.stop());

  it('reads the server limits from /info', async () => {
    const client = await connect(emulator);
    assert.deepEqual(client.serverInfo, {
      apiVersion: '0.7.0',
      zone: 'tempZone',
      maxRequestBodyBytes: 8388608,
      maxStreamsPerParallelWrite: 3,
      maxRowsPerQuery: 15,
    });
    assert.equal(client.counters.authentications, 1);
    await client.close();
  });

  it('names the URL when the version prefix does not answer', async () => {
    const url = `${emulator.origin}/irods-http-api/0.6.0`;
    const client = new IrodsClient({ url, username: 'rods', password: PASSWORD });
    await assert.rejects(client.connect(), (err: unknown) => {
      assert.ok(err instanceof IrodsError);
      assert.equal(err.httpStatus, 404);
      assert.equal(err.retryable, false);
      assert.match(err.message, /irods-http-api\/0\.6\.0\/info/);
      assert.match(err.message, /wrong version prefix or URL/);
      return true;
    });
    await client.close();
  });

  it('reports refused credentials without revealing the password', async () => {
    const secret = 'not-the-password-s3cr3t';
    const client = new IrodsClient({ url: emulator.url, username: 'rods', password: secret });
    await assert.rejects(client.connect(), (err: unknown) => {
      assert.ok(err instanceof IrodsError);
      assert.equal(err.code, 'IRODS_AUTHENTICATION');
      assert.equal(err.httpStatus, 401);
      assert.equal(err.retryable, false);
      assert.match(err.message, /authentication of user rods/);
      const everything = `${inspect(err, { depth: 10, showHidden: true })} ${JSON.stringify(err)}`;
      assert.ok(!everything.includes(secret));
      assert.ok(!everything.includes(Buffer.from(`rods:${secret}`).toString('base64')));
      return true;
    });
    assert.ok(!inspect(client, { depth: 10, showHidden: true }).includes(secret));
    await client.close();
  });

  it('never puts the token into errors', async () => {
    const client = await connect(emulator);
    const err = await client.dataObjects.read(`${HOME}/missing.txt`).then(
      () => assert.fail('read of a missing object succeeded'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof IrodsError);
    const everything = `${inspect(err, { depth: 10, showHidden: true })} ${JSON.stringify(err)}`;
    assert.doesNotMatch(everything, /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/);
    assert.doesNotMatch(everything, /Bearer|Basic /);
    await client.close();
  });

  it('refuses unusable options by name', () => {
    assert.throws(
      () => new IrodsClient({ url: 'http://h:9000', username: 'rods', password: 'x' }),
      (err: unknown) => err instanceof IrodsOptionError && err.option === 'url',
    );
    assert.throws(
      () => new IrodsClient({ url: emulator.url, username: 'rods', password: 'x', connections: 0 }),
      /connections must be a positive integer/,
    );
  });

  it('refuses operations before connect and after close', async () => {
    const client = new IrodsClient({ url: emulator.url, username: 'rods', password: PASSWORD });
    await assert.rejects(client.query.rowsText('select COLL_NAME'), { code: 'IRODS_CLIENT_STATE' });
    await client.connect();
    await client.close();
    await assert.rejects(client.collections.stat(HOME), { code: 'IRODS_CLIENT_STATE' });
  });

  it('close waits for requests in flight', async () => {
    const client = await connect(emulator);
    const pending = client.collections.stat(HOME);
    await client.close();
    assert.equal((await pending)?.path, HOME);
  });

  it('destroy aborts requests in flight', async () => {
    const client = await connect(emulator);
    await emulator.setFaults({ latencyMs: 2_000 });
    try {
      const pending = client.collections.stat(HOME);
      await new Promise((resolve) => setTimeout(resolve, 100));
      await client.destroy();
      await assert.rejects(pending, IrodsError);
    } finally {
      await emulator.clearFaults();
    }
  });
});
