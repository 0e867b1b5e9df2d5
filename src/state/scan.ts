/**
 * SCAN over every key of a connection, page by page. A Cluster client would send SCAN to one
 * node of its choosing, which lists only that node's keys; here each master is scanned in turn,
 * so nothing is missed wherever the slot of the daemon's prefix lives (or moves to meanwhile).
 */
import { Cluster, type Redis } from 'ioredis';
import type { RedisClient } from './connection.js';

const SCAN_COUNT = 1000;

/** Pages of the keys matching `pattern` (SCAN MATCH); a key may come twice, as SCAN allows. */
export async function* scanKeys(redis: RedisClient, pattern: string): AsyncGenerator<string[]> {
  const nodes: Redis[] = redis instanceof Cluster ? redis.nodes('master') : [redis];
  for (const node of nodes) {
    let cursor = '0';
    do {
      const [next, keys] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', SCAN_COUNT);
      if (keys.length > 0) yield keys;
      cursor = next;
    } while (cursor !== '0');
  }
}
