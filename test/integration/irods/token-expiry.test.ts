import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startEmulator, type TestEmulator } from '../../helpers/emulator.js';
import { connect, HOME } from './setup.js';

describe('IrodsClient when its token expires', () => {
  let emulator: TestEmulator;
  before(async () => {
    emulator = await startEmulator({
      config: { http_server: { authentication: { basic: { timeout_in_seconds: 2 } } } },
    });
  });
  after(() => emulator.stop());

  it('logs in again once for many concurrent requests and carries on', async () => {
    const client = await connect(emulator);
    await client.collections.create(`${HOME}/expiry`);
    assert.equal(client.counters.authentications, 1);
    assert.equal((await emulator.stats()).tokens_issued, 1);
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    const stats = await Promise.all(
      Array.from({ length: 20 }, () => client.collections.stat(`${HOME}/expiry`)),
    );
    assert.ok(stats.every((stat) => stat?.type === 'collection'));
    assert.equal(client.counters.authentications, 2);
    assert.equal((await emulator.stats()).tokens_issued, 2, 'one re-authentication at the server');
    await client.close();
  });
});
