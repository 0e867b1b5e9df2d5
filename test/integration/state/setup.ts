import { randomUUID } from 'node:crypto';
import { after, before } from 'node:test';
import { Redis } from 'ioredis';
import { startRedis, type TestRedis } from '../../helpers/redis.js';

/** A client on the test server and a key prefix no other test uses. */
export function connect(server: TestRedis): { redis: Redis; prefix: string } {
  return { redis: new Redis({ path: server.socketPath }), prefix: `test-${randomUUID()}` };
}

/**
 * A Redis server for the enclosing `describe`, started before its tests and stopped after them,
 * with a client and a fresh prefix; read `redis` and `prefix` inside the tests.
 */
export function useRedis(): { readonly redis: Redis; readonly prefix: string } {
  let server: TestRedis | undefined;
  let connected: { redis: Redis; prefix: string } | undefined;
  before(async () => {
    server = await startRedis();
    connected = connect(server);
  });
  after(async () => {
    connected?.redis.disconnect();
    await server?.stop();
  });
  const ready = () => {
    if (connected === undefined) throw new Error('useRedis: read before its `before` ran');
    return connected;
  };
  return {
    get redis() {
      return ready().redis;
    },
    get prefix() {
      return ready().prefix;
    },
  };
}

export const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);
