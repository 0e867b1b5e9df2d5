import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { startRedis } from '../../helpers/redis.js';
import { measureStateMemory } from '../../bench/state.js';

describe('Redis memory of the file state', () => {
  it('stays within 100 bytes per tracked file over 100,000 files', async (t) => {
    const server = await startRedis();
    const redis = new Redis({ path: server.socketPath });
    try {
      const memory = await measureStateMemory(redis, 100_000);
      t.diagnostic(
        `${memory.files} files in ${memory.directories} directories: ` +
          `${memory.usedMemoryDelta} bytes, ${memory.bytesPerFile.toFixed(1)} bytes/file`,
      );
      assert.ok(memory.bytesPerFile <= 100, `${memory.bytesPerFile} bytes per file`);
    } finally {
      redis.disconnect();
      await server.stop();
    }
  });
});
