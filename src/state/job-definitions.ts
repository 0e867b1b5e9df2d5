/**
 * The jobs' effective definitions, shared by every daemon on the Redis (`<prefix>:~jobs`, a hash:
 * job name → the definition's text, config/job-definition.ts). Scanning daemons write the jobs
 * they run; worker hosts read them and work those jobs' queues. Every change is announced on the
 * pub/sub channel of the same name (the message is the job's name), so that workers react at once;
 * they also read the whole hash again now and then, so a message they missed is healed.
 *
 * A definition records the daemon that wrote it (`owner` in its JSON). Withdrawing one is
 * conditional on that owner: when two daemons run the same job, one removing it from its config
 * must not take it away from the other.
 */
import type { RedisClient } from './connection.js';
import { jobDefinitionsKey } from './keys.js';
import { LuaScript } from './lua.js';

/** KEYS[1] the hash; ARGV: job, owner. Removes the job's definition if `owner` wrote it; 1 if so. */
const WITHDRAW = new LuaScript(`
local text = redis.call('HGET', KEYS[1], ARGV[1])
if not text then return 0 end
local ok, definition = pcall(cjson.decode, text)
if not ok or type(definition) ~= 'table' or definition.owner ~= ARGV[2] then return 0 end
redis.call('HDEL', KEYS[1], ARGV[1])
redis.call('PUBLISH', KEYS[1], ARGV[1])
return 1
`);

/** A subscription to definition changes; close() ends it. */
export interface DefinitionWatch {
  close(): Promise<void>;
}

export class JobDefinitions {
  readonly #redis: RedisClient;
  readonly #key: string;

  constructor(redis: RedisClient, prefix: string) {
    this.#redis = redis;
    this.#key = jobDefinitionsKey(prefix);
  }

  /** Every stored definition: job name → text. */
  async all(): Promise<Map<string, string>> {
    return new Map(Object.entries(await this.#redis.hgetall(this.#key)));
  }

  /** The stored definition of `name`, or undefined. */
  async get(name: string): Promise<string | undefined> {
    return (await this.#redis.hget(this.#key, name)) ?? undefined;
  }

  /** Writes (or replaces) the definition of `name` and announces it. */
  async put(name: string, text: string): Promise<void> {
    await this.#redis.multi().hset(this.#key, name, text).publish(this.#key, name).exec();
  }

  /**
   * Writes the definitions that are missing (a Redis that lost its data, another daemon that
   * withdrew a job this one runs too); returns how many were. Present ones are left as they are.
   */
  async restore(definitions: ReadonlyMap<string, string>): Promise<number> {
    if (definitions.size === 0) return 0;
    const pipeline = this.#redis.pipeline();
    for (const [name, text] of definitions) pipeline.hsetnx(this.#key, name, text);
    const replies = (await pipeline.exec()) ?? [];
    const written = replies.filter(([error, reply]) => error === null && reply === 1).length;
    if (written > 0) await this.#redis.publish(this.#key, '');
    return written;
  }

  /** Removes the definition of `name` if `owner` wrote it; true when it did. */
  async withdraw(name: string, owner: string): Promise<boolean> {
    return (await WITHDRAW.run(this.#redis, [this.#key], [name, owner])) === 1;
  }

  /** Removes the definition of `name`, whoever wrote it (`forget` of a job gone everywhere). */
  async drop(name: string): Promise<void> {
    await this.#redis.multi().hdel(this.#key, name).publish(this.#key, name).exec();
  }

  /**
   * Calls `onChange` for every announced change, and once more each time the subscription's
   * connection is (re)established, since messages sent while it was away are lost. `onError`
   * hears the connection's errors (ioredis reconnects by itself).
   */
  async watch(onChange: () => void, onError: (error: Error) => void): Promise<DefinitionWatch> {
    // A Cluster's duplicate() takes other arguments than a single server's; neither needs any.
    const subscriber: RedisClient = (this.#redis.duplicate as () => RedisClient).call(this.#redis);
    subscriber.on('error', onError);
    subscriber.on('message', (channel: string) => {
      if (channel === this.#key) onChange();
    });
    subscriber.on('ready', onChange);
    // A subscriber has nothing to flush; QUIT would wait for a Redis that is away.
    const close = () => {
      subscriber.removeAllListeners();
      subscriber.on('error', () => undefined);
      subscriber.disconnect();
      return Promise.resolve();
    };
    try {
      await subscriber.subscribe(this.#key);
    } catch (error) {
      await close();
      throw error;
    }
    return { close };
  }
}
