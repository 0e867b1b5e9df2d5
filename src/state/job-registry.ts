/**
 * The names of every job that has state under the prefix (`<prefix>:~job-names`, a set), so that
 * `status` can list the jobs that left keys in Redis but are no longer configured without a SCAN
 * of the whole keyspace. A job is added when it claims its state (every start) and removed by
 * `forget`. State written before the set existed is added by the schema migration to version 3.
 */
import type { RedisClient } from './connection.js';
import { jobNamesKey, startingWith } from './keys.js';
import { scanKeys } from './scan.js';
import { TargetClaims } from './target-claims.js';

export class JobRegistry {
  readonly #redis: RedisClient;
  readonly #key: string;
  readonly #prefix: string;

  constructor(redis: RedisClient, prefix: string) {
    this.#redis = redis;
    this.#prefix = prefix;
    this.#key = jobNamesKey(prefix);
  }

  async add(name: string): Promise<void> {
    await this.#redis.sadd(this.#key, name);
  }

  async remove(name: string): Promise<void> {
    await this.#redis.srem(this.#key, name);
  }

  /** The registered jobs that no daemon on the Redis runs now (no live claim on a target). */
  async unclaimed(): Promise<string[]> {
    const claims = new TargetClaims(this.#redis, this.#prefix);
    const names = await this.names();
    const owners = await Promise.all(names.map((name) => claims.liveOwner(name)));
    return names.filter((_, i) => owners[i] === undefined);
  }

  /** Every registered name, sorted. */
  async names(): Promise<string[]> {
    return (await this.#redis.smembers(this.#key)).sort();
  }
}

/**
 * Registers every job found with a pass record or a source record under the prefix (one SCAN of
 * the keyspace; safe to run again).
 */
export async function registerExistingJobs(redis: RedisClient, prefix: string): Promise<void> {
  const registry = new JobRegistry(redis, prefix);
  const head = `${prefix}:`;
  for await (const page of scanKeys(redis, startingWith(head))) {
    for (const key of page) {
      const rest = key.slice(head.length);
      const colon = rest.indexOf(':');
      // Job names cannot hold `:` or start with `~` (the daemon's own keys).
      if (colon <= 0 || rest.startsWith('~')) continue;
      const field = rest.slice(colon + 1);
      if (field === 'pass' || field === 'source') await registry.add(rest.slice(0, colon));
    }
  }
}
