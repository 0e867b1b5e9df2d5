/**
 * The scrape-time Redis probe behind `irods_ingest_redis_up` and
 * `irods_ingest_redis_used_memory_bytes`: PING and INFO memory on the daemon's connection.
 *
 * The daemon's connection queues commands while Redis is away (`maxRetriesPerRequest: null`, as
 * BullMQ needs), so a probe sent then would wait for the reconnect and pile up with every
 * scrape. A connection that is not ready therefore reads as down without sending anything; a
 * ready one that does not answer is cut off by the scrape's probe deadline. On a Redis Cluster
 * the memory is the sum over its masters.
 */
import { Cluster, type Redis } from 'ioredis';
import type { RedisHealth, RedisProbe } from './registry.js';

export function redisProbe(redis: Redis | Cluster): RedisProbe {
  return async (): Promise<RedisHealth> => {
    if (redis.status !== 'ready') return { up: false };
    const nodes = redis instanceof Cluster ? redis.nodes('master') : [redis];
    const [pong, ...infos] = await Promise.all([
      redis.ping(),
      ...nodes.map((node) => node.info('memory')),
    ]);
    const used = infos.map(usedMemoryOf);
    const usedMemoryBytes = used.includes(undefined)
      ? undefined
      : used.reduce((sum: number, bytes) => sum + bytes!, 0);
    return { up: pong === 'PONG', ...(usedMemoryBytes === undefined ? {} : { usedMemoryBytes }) };
  };
}

/** `used_memory` from the text of INFO (or INFO memory); undefined when it is not there. */
export function usedMemoryOf(info: string): number | undefined {
  const match = /^used_memory:(\d+)\r?$/m.exec(info);
  return match === null ? undefined : Number(match[1]);
}
