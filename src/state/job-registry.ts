/**
 * The names of every job that has state under the prefix (`<prefix>:~job-names`, a set), so that
 * `status` can list the jobs that left keys in Redis but are no longer configured without a SCAN
 * of the whole keyspace. A job is added when it claims its state (every start) and removed by
 * `forget`. State written before the set existed is added by the schema migration to version 3.
 */
import type { RedisClient } from './connection.js';
import { DaemonRegistry } from './daemon-registry.js';
import { JobDefinitions } from './job-definitions.js';
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

  /**
   * The registered jobs nothing suggests are in use: no live claim on a target, no stored
   * definition (its scanning daemon may be restarting), no live daemon working its queue.
   */
  async unclaimed(): Promise<string[]> {
    const names = await this.names();
    const [defined, working] = await Promise.all([
      new JobDefinitions(this.#redis, this.#prefix).all(),
      workedJobs(this.#redis, this.#prefix),
    ]);
    const claims = new TargetClaims(this.#redis, this.#prefix);
    const owners = await Promise.all(names.map((name) => claims.liveOwner(name)));
    return names.filter(
      (name, i) => owners[i] === undefined && !defined.has(name) && !working.has(name),
    );
  }

  /** Every registered name, sorted. */
  async names(): Promise<string[]> {
    return (await this.#redis.smembers(this.#key)).sort();
  }
}

/** The jobs the daemons with a live heartbeat work now (worker hosts included). */
export async function workedJobs(redis: RedisClient, prefix: string): Promise<Set<string>> {
  const daemons = await new DaemonRegistry<{ jobs?: unknown }>(redis, prefix).list();
  return new Set(
    daemons.flatMap(({ info }) =>
      Array.isArray(info.jobs) ? info.jobs.filter((job) => typeof job === 'string') : [],
    ),
  );
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
