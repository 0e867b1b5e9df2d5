import assert from 'node:assert/strict';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { startEmbeddedRedis } from '../../src/embedded-redis.js';

describe('the embedded redis-server', () => {
  let stateDir: string;
  before(async () => {
    stateDir = await mkdtemp(join(tmpdir(), 'ingest-embedded-'));
  });
  after(() => rm(stateDir, { recursive: true, force: true }));

  it('serves on a private unix socket with AOF under the state directory', async () => {
    const server = await startEmbeddedRedis({ stateDir });
    const redis = new Redis({ path: server.socketPath, lazyConnect: true });
    try {
      await redis.connect();
      assert.equal(await redis.ping(), 'PONG');
      assert.equal(await redis.config('GET', 'appendonly').then((r) => r[1]), 'yes');
      assert.equal((await stat(server.socketPath)).mode & 0o777, 0o700);
      await redis.set('kept', 'yes');
    } finally {
      redis.disconnect();
      await server.stop();
    }
  });

  it('stops a server left behind by a killed daemon and keeps its data', async () => {
    const leftover = await startEmbeddedRedis({ stateDir });
    // Not stopped: as if the daemon had died with SIGKILL.
    const server = await startEmbeddedRedis({ stateDir });
    const redis = new Redis({ path: server.socketPath, lazyConnect: true });
    try {
      await redis.connect();
      assert.equal(await redis.get('kept'), 'yes');
    } finally {
      redis.disconnect();
      await server.stop();
      await leftover.stop();
    }
  });
});
