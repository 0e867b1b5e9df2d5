import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import type { TestRedis } from '../../helpers/redis.js';

/** A client on the test server and a key prefix no other test uses. */
export function connect(server: TestRedis): { redis: Redis; prefix: string } {
  return { redis: new Redis({ path: server.socketPath }), prefix: `test-${randomUUID()}` };
}

export const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);
