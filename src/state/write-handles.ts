/**
 * Parallel-write handles of uploads in progress, one per file at most (a file is uploaded by one
 * worker at a time, under its lock). iRODS never expires a handle and offers no way to find one,
 * so a worker killed mid-upload leaves its object locked unless someone remembers the handle: it
 * is written here before the first byte goes through it and removed once it is shut down. What is
 * still here when the file is next uploaded belongs to a dead upload and is shut down first.
 */
import type { RedisClient } from './connection.js';
import { StateKeys } from './keys.js';
import { LuaScript } from './lua.js';

/** KEYS[1] the handles hash, ARGV[1] a file, ARGV[2] a handle: deletes the field if it holds it. */
const FORGET = new LuaScript(`
if redis.call('HGET', KEYS[1], ARGV[1]) == ARGV[2] then
  return redis.call('HDEL', KEYS[1], ARGV[1])
end
return 0
`);

export class WriteHandles {
  readonly #redis: RedisClient;
  readonly #key: string;

  constructor(redis: RedisClient, prefix: string, jobName: string) {
    this.#redis = redis;
    this.#key = new StateKeys(prefix, jobName).writeHandles;
  }

  /** Remembers the open handle of the upload of `relPath` (encodeRelPath text). */
  async remember(relPath: string, handle: string): Promise<void> {
    await this.#redis.hset(this.#key, relPath, handle);
  }

  /** The handle remembered for `relPath`, if any. */
  async get(relPath: string): Promise<string | undefined> {
    return (await this.#redis.hget(this.#key, relPath)) ?? undefined;
  }

  /**
   * Forgets `handle` once it is shut down. Only that handle: a newer upload of the file (after a
   * lock lapsed) may have remembered its own meanwhile.
   */
  async forget(relPath: string, handle: string): Promise<void> {
    await FORGET.run(this.#redis, [this.#key], [relPath, handle]);
  }

  /** How many handles are remembered. */
  async count(): Promise<number> {
    return this.#redis.hlen(this.#key);
  }
}
