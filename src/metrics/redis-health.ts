/**
 * The scrape-time Redis probe behind `irods_ingest_redis_up` and
 * `irods_ingest_redis_used_memory_bytes`: PING and INFO memory on the daemon's connection.
 *
 * The daemon's connection queues commands while Redis is away (`maxRetriesPerRequest: null`, as
 * BullMQ needs), so a probe sent then would wait for the reconnect and pile up with every
 * scrape. A connection that is not ready therefore reads as down without sending anything; a
 * ready one that does not answer is cut off by the scrape's probe deadline.
 */
import type { Redis } from 'ioredis';
import type { RedisHealth, RedisProbe } from './registry.js';

export function redisProbe(redis: Redis): RedisProbe {
  return async (): Promise<RedisHealth> => {
    if (redis.status !== 'ready') return { up: false };
    const [pong, info] = await Promise.all([redis.ping(), redis.info('memory')]);
    const usedMemoryBytes = usedMemoryOf(info);
    return { up: pong === 'PONG', ...(usedMemoryBytes === undefined ? {} : { usedMemoryBytes }) };
  };
}

/** `used_memory` from the text of INFO (or INFO memory); undefined when it is not there. */
export function usedMemoryOf(info: string): number | undefined {
  const match = /^used_memory:(\d+)\r?$/m.exec(info);
  return match === null ? undefined : Number(match[1]);
}
