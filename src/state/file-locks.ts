/**
 * Per-file locks, so that one file is never processed by two workers at once (also across
 * daemons sharing the Redis). A lock expires after its TTL, so a crashed worker cannot hold a file
 * forever, and only its owner can release it: a worker whose lock expired and was taken over
 * must not release the new owner's lock.
 */
import type { Redis } from 'ioredis';
import { StateKeys } from './keys.js';
import { LuaScript } from './lua.js';

/** ARGV[1] owner, ARGV[2..] lock keys. Deletes those the owner still holds; returns how many. */
const UNLOCK = new LuaScript(`
local released = 0
for at = 2, #ARGV do
  if redis.call('GET', ARGV[at]) == ARGV[1] then
    released = released + redis.call('DEL', ARGV[at])
  end
end
return released
`);

/** ARGV[1] owner, ARGV[2] ttl ms, ARGV[3..] lock keys. Renews those the owner still holds. */
const EXTEND = new LuaScript(`
local renewed = 0
for at = 3, #ARGV do
  if redis.call('GET', ARGV[at]) == ARGV[1] then
    renewed = renewed + redis.call('PEXPIRE', ARGV[at], ARGV[2])
  end
end
return renewed
`);

export class FileLocks {
  readonly #redis: Redis;
  readonly #keys: StateKeys;

  constructor(redis: Redis, prefix: string, jobName: string) {
    this.#redis = redis;
    this.#keys = new StateKeys(prefix, jobName);
  }

  /**
   * Takes the lock of each file (encodeRelPath text) that nobody holds, for `ttlMs`; one round
   * trip. Returns, per file, whether `owner` got it.
   */
  async tryLock(relPaths: readonly string[], ttlMs: number, owner: string): Promise<boolean[]> {
    if (relPaths.length === 0) return [];
    const pipeline = this.#redis.pipeline();
    for (const relPath of relPaths)
      pipeline.set(this.#keys.lock(relPath), owner, 'PX', ttlMs, 'NX');
    const replies = (await pipeline.exec()) ?? [];
    return replies.map(([error, reply]) => {
      if (error) throw error;
      return reply === 'OK';
    });
  }

  /** Releases the locks that `owner` still holds; returns how many it released. */
  async unlock(relPaths: readonly string[], owner: string): Promise<number> {
    if (relPaths.length === 0) return 0;
    const keys = relPaths.map((relPath) => this.#keys.lock(relPath));
    return (await UNLOCK.run(this.#redis, [owner, ...keys])) as number;
  }

  /** Gives the locks that `owner` still holds another `ttlMs`; returns how many it renewed. */
  async extend(relPaths: readonly string[], ttlMs: number, owner: string): Promise<number> {
    if (relPaths.length === 0) return 0;
    const keys = relPaths.map((relPath) => this.#keys.lock(relPath));
    return (await EXTEND.run(this.#redis, [owner, String(ttlMs), ...keys])) as number;
  }
}
