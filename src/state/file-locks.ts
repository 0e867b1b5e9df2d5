/**
 * Per-file locks, so that one file is never processed by two workers at once (also across
 * daemons sharing the Redis). A lock expires after its TTL, so a crashed worker cannot hold a file
 * forever, and only its owner can release it: a worker whose lock expired and was taken over
 * must not release the new owner's lock.
 *
 * The owner token also fences the state: FileStateStore.recordHeld writes a file's state only
 * while its lock is held by the writer. A batch run that lost the lock of a file it acted on
 * leaves a recheck mark (`release`), so that the next run compares iRODS with the file first.
 */
import type { RedisClient } from './connection.js';
import { StateKeys } from './keys.js';
import { LuaScript, type ScriptKeys } from './lua.js';

/** KEYS lock keys, ARGV[1] owner. Deletes those the owner still holds; returns how many. */
const UNLOCK = new LuaScript(`
local released = 0
for _, key in ipairs(KEYS) do
  if redis.call('GET', key) == ARGV[1] then
    released = released + redis.call('DEL', key)
  end
end
return released
`);

/**
 * KEYS lock keys, ARGV[1] owner, ARGV[2] ttl ms. Renews those the owner still holds;
 * returns 1 for each of those and 0 for the others.
 */
const EXTEND = new LuaScript(`
local held = {}
for _, key in ipairs(KEYS) do
  if redis.call('GET', key) == ARGV[1] then
    held[#held + 1] = redis.call('PEXPIRE', key, ARGV[2])
  else
    held[#held + 1] = 0
  end
end
return held
`);

/**
 * KEYS[1] the recheck hash, KEYS[2..] the lock keys; ARGV[1] owner, then per lock key a
 * (path text, touched, mark) triple.
 * A lock the owner still holds is deleted, and the file's recheck mark with it when it equals
 * `mark` (the one this run found and resolved). A lock it no longer holds is left alone, and a
 * file it touched gets a recheck mark in the owner's name: its writes may have landed after those
 * of the worker that took the file over. Returns 1 per lock released, 0 per lock lost.
 */
const RELEASE = new LuaScript(`
local marks, owner, out = KEYS[1], ARGV[1], {}
for i = 2, #KEYS do
  local at = 3 * i - 4
  local key, path, touched, mark = KEYS[i], ARGV[at], ARGV[at + 1], ARGV[at + 2]
  if redis.call('GET', key) == owner then
    redis.call('DEL', key)
    if mark ~= '' and redis.call('HGET', marks, path) == mark then redis.call('HDEL', marks, path) end
    out[#out + 1] = 1
  else
    if touched == '1' then redis.call('HSET', marks, path, owner) end
    out[#out + 1] = 0
  end
end
return out
`);

/** One file of a batch run ending, for FileLocks.release. */
export interface LockRelease {
  /** encodeRelPath text. */
  readonly relPath: string;
  /** The run acted on the file (it may have written to iRODS for it). */
  readonly touched: boolean;
  /** The recheck mark the run found for the file and resolved: cleared with the lock. */
  readonly resolvedMark?: string | undefined;
}

export class FileLocks {
  readonly #redis: RedisClient;
  readonly #keys: StateKeys;

  constructor(redis: RedisClient, prefix: string, jobName: string) {
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
    return (await UNLOCK.run(this.#redis, this.#lockKeys(relPaths), [owner])) as number;
  }

  /**
   * Gives the locks that `owner` still holds another `ttlMs`; returns, per file, whether it still
   * held (and renewed) it.
   */
  async extend(relPaths: readonly string[], ttlMs: number, owner: string): Promise<boolean[]> {
    if (relPaths.length === 0) return [];
    const keys = this.#lockKeys(relPaths);
    const held = (await EXTEND.run(this.#redis, keys, [owner, String(ttlMs)])) as number[];
    return held.map((flag) => flag === 1);
  }

  /**
   * Ends a batch run's hold on its files (see RELEASE): releases what `owner` still holds, marks
   * for a recheck what it touched and lost. Returns, per file, whether it still held the lock.
   */
  async release(files: readonly LockRelease[], owner: string): Promise<boolean[]> {
    if (files.length === 0) return [];
    const keys: [string, ...string[]] = [this.#keys.recheck];
    const args = [owner];
    for (const { relPath, touched, resolvedMark } of files) {
      keys.push(this.#keys.lock(relPath));
      args.push(relPath, touched ? '1' : '0', resolvedMark ?? '');
    }
    const held = (await RELEASE.run(this.#redis, keys, args)) as number[];
    return held.map((flag) => flag === 1);
  }

  /** The lock keys of files the caller checked are not none. */
  #lockKeys(relPaths: readonly string[]): ScriptKeys {
    const [first, ...rest] = relPaths.map((relPath) => this.#keys.lock(relPath));
    return [first!, ...rest];
  }
}
