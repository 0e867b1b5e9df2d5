/**
 * Deletes waiting for a decision: the candidates a running pass found (`P:deletes`, queued only
 * once the scan is complete and the total is known), and the deletes max_delete held (`P:held`,
 * with what was held in `P:hold`) until `irods-ingestctl allow-deletes` releases them.
 *
 * They live in Redis, not in memory: a pass may find millions of candidates (a directory of a
 * million files emptied), and a hold outlives a restart, so `status` keeps showing it. A pass
 * that finds the same deletes again replaces the hold with its own list; one within the limit
 * clears it.
 */
import type { RedisClient } from './connection.js';
import { StateKeys } from './keys.js';

export const HOLDERS = { pass: 'pass', watch: 'watch' } as const;
export type Holder = (typeof HOLDERS)[keyof typeof HOLDERS];

export interface HoldInfo {
  /** Entries the held deletes would remove (a directory counts with everything in it). */
  readonly entries: number;
  /** Paths held (a directory is one). */
  readonly paths: number;
  /** The most entries the job may delete at once (max_delete for `tracked`). */
  readonly limit: number;
  /** Entries the job tracked when it held them. */
  readonly tracked: number;
  /** The pass that held them, or during which the watcher did. */
  readonly pass: number;
  /** ms since the epoch. */
  readonly at: number;
  readonly by: Holder;
}

/** Paths read from a list per round trip. */
const PAGE = 1000;

export class DeleteHolds {
  readonly #redis: RedisClient;
  readonly #keys: StateKeys;

  constructor(redis: RedisClient, prefix: string, jobName: string) {
    this.#redis = redis;
    this.#keys = new StateKeys(prefix, jobName);
  }

  /** Forgets the candidates of an earlier pass that did not finish. */
  async beginPass(): Promise<void> {
    await this.#redis.del(this.#keys.passDeletes);
  }

  async addCandidates(paths: readonly string[]): Promise<void> {
    if (paths.length > 0) await this.#redis.rpush(this.#keys.passDeletes, ...paths);
  }

  candidates(): AsyncGenerator<string[]> {
    return this.#pages(this.#keys.passDeletes);
  }

  async dropCandidates(): Promise<void> {
    await this.#redis.del(this.#keys.passDeletes);
  }

  /** The pass's candidates become the hold, replacing an earlier one. */
  async holdCandidates(info: HoldInfo): Promise<void> {
    await this.#redis
      .multi()
      .del(this.#keys.heldDeletes, this.#keys.hold)
      .rename(this.#keys.passDeletes, this.#keys.heldDeletes)
      .hset(this.#keys.hold, fieldsOf(info))
      .exec();
  }

  /** Adds watched deletes to the hold (`info` describes them alone; counts add up). */
  async holdMore(paths: readonly string[], info: HoldInfo): Promise<void> {
    if (paths.length === 0) return;
    const held = await this.info();
    const total =
      held === undefined
        ? info
        : {
            ...info,
            entries: held.entries + info.entries,
            paths: held.paths + info.paths,
            pass: held.pass,
            at: held.at,
            by: held.by,
          };
    await this.#redis
      .multi()
      .rpush(this.#keys.heldDeletes, ...paths)
      .hset(this.#keys.hold, fieldsOf(total))
      .exec();
  }

  /** What is held, or undefined when nothing is. */
  async info(): Promise<HoldInfo | undefined> {
    const fields = await this.#redis.hgetall(this.#keys.hold);
    if (fields.entries === undefined) return undefined;
    return {
      entries: Number(fields.entries),
      paths: Number(fields.paths),
      limit: Number(fields.limit),
      tracked: Number(fields.tracked),
      pass: Number(fields.pass),
      at: Number(fields.at),
      by: fields.by === HOLDERS.watch ? HOLDERS.watch : HOLDERS.pass,
    };
  }

  held(): AsyncGenerator<string[]> {
    return this.#pages(this.#keys.heldDeletes);
  }

  /**
   * Ends the hold after its deletes were queued, leaving `allowance` (the entries released) for
   * the pass that may be deciding the same deletes right now.
   */
  async released(allowance: number): Promise<void> {
    await this.#redis
      .multi()
      .del(this.#keys.heldDeletes, this.#keys.hold)
      .hset(this.#keys.hold, 'allowance', allowance)
      .exec();
  }

  /** Reads and removes the allowance a release left; 0 when there is none. */
  async takeAllowance(): Promise<number> {
    const replies = await this.#redis
      .multi()
      .hget(this.#keys.hold, 'allowance')
      .hdel(this.#keys.hold, 'allowance')
      .exec();
    return Number(replies?.[0]?.[1] ?? 0);
  }

  /** Drops the hold (a later pass found the deletes within the limit, or the state is new). */
  async clear(): Promise<void> {
    await this.#redis.del(this.#keys.heldDeletes, this.#keys.hold, this.#keys.passDeletes);
  }

  async *#pages(key: string): AsyncGenerator<string[]> {
    for (let start = 0; ; start += PAGE) {
      const page = await this.#redis.lrange(key, start, start + PAGE - 1);
      if (page.length > 0) yield page;
      if (page.length < PAGE) return;
    }
  }
}

function fieldsOf(info: HoldInfo): Record<string, string | number> {
  return { ...info };
}
