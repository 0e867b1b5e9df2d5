import { createHash } from 'node:crypto';
import type { RedisClient } from './connection.js';

/**
 * The keys a script declares (its KEYS): at least one, because a Redis Cluster client sends a
 * script to the node that serves its first key, and to any node when it has none.
 */
export type ScriptKeys = readonly [string, ...string[]];

/**
 * A Lua script run by its SHA-1 (EVALSHA), loaded again with EVAL when the server does not know
 * it (first use, after a Redis restart flushed the script cache, or on another Cluster node).
 * Replies come back with bulk strings as Buffers, so binary names survive.
 *
 * Every key a script touches is one of `keys`, or is built in the script from a stem passed in
 * and starts with the same key prefix as `keys[0]` (so on a Cluster it lies in the same hash
 * slot; see connection.ts). A script never finds keys by KEYS or SCAN.
 */
export class LuaScript {
  readonly #source: string;
  readonly #sha: string;

  constructor(source: string) {
    this.#source = source;
    this.#sha = createHash('sha1').update(source).digest('hex');
  }

  async run(
    redis: RedisClient,
    keys: ScriptKeys,
    args: readonly (string | Buffer | number)[] = [],
  ): Promise<unknown> {
    try {
      return await redis.callBuffer('EVALSHA', this.#sha, keys.length, ...keys, ...args);
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
      return redis.callBuffer('EVAL', this.#source, keys.length, ...keys, ...args);
    }
  }
}
