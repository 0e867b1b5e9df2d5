/**
 * Which daemons work on this Redis: each one refreshes its own heartbeat key
 * (`<prefix>:~daemon:<id>`, JSON of what it reports, expiring) every HEARTBEAT_MS, and a set
 * (`<prefix>:~daemons`) indexes the ids so that listing them needs no SCAN of a keyspace that
 * holds millions of state keys. A daemon that stopped refreshing drops out when its key expires,
 * DAEMON_TIMEOUT_MS after its last beat; the listing then removes its id from the index.
 */
import type { RedisClient } from './connection.js';
import { daemonKey, daemonsKey } from './keys.js';

/** How often a daemon refreshes its heartbeat (ms). */
export const HEARTBEAT_MS = 5_000;
/** How long a heartbeat lasts: a daemon silent this long is gone (ms). Three missed beats. */
export const DAEMON_TIMEOUT_MS = 15_000;

/** One registered daemon: what it last reported, and when (ms since the epoch). */
export interface RegisteredDaemon<T> {
  readonly id: string;
  readonly lastSeen: number;
  readonly info: T;
}

export class DaemonRegistry<T extends object> {
  readonly #redis: RedisClient;
  readonly #prefix: string;

  constructor(redis: RedisClient, prefix: string) {
    this.#redis = redis;
    this.#prefix = prefix;
  }

  /** Registers or refreshes the daemon `id` with what it reports now. */
  async beat(id: string, info: T): Promise<void> {
    const text = JSON.stringify({ lastSeen: Date.now(), info });
    await this.#redis
      .multi()
      .set(daemonKey(this.#prefix, id), text, 'PX', DAEMON_TIMEOUT_MS)
      .sadd(daemonsKey(this.#prefix), id)
      .exec();
  }

  /** Removes the daemon `id` at once (a clean stop). */
  async remove(id: string): Promise<void> {
    await this.#redis
      .multi()
      .del(daemonKey(this.#prefix, id))
      .srem(daemonsKey(this.#prefix), id)
      .exec();
  }

  /** The daemons whose heartbeat is live, by id. */
  async list(): Promise<RegisteredDaemon<T>[]> {
    const ids = (await this.#redis.smembers(daemonsKey(this.#prefix))).sort();
    if (ids.length === 0) return [];
    const texts = await this.#redis.mget(ids.map((id) => daemonKey(this.#prefix, id)));
    const live: RegisteredDaemon<T>[] = [];
    const gone: string[] = [];
    ids.forEach((id, i) => {
      const parsed = parseBeat<T>(texts[i] ?? null);
      if (parsed === undefined) gone.push(id);
      else live.push({ id, ...parsed });
    });
    if (gone.length > 0) await this.#redis.srem(daemonsKey(this.#prefix), ...gone);
    return live;
  }
}

function parseBeat<T>(text: string | null): { lastSeen: number; info: T } | undefined {
  if (text === null) return undefined;
  try {
    const beat = JSON.parse(text) as { lastSeen?: unknown; info?: unknown };
    if (typeof beat.lastSeen !== 'number' || typeof beat.info !== 'object' || beat.info === null) {
      return undefined;
    }
    return { lastSeen: beat.lastSeen, info: beat.info as T };
  } catch {
    return undefined;
  }
}
