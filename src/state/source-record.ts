/**
 * What a job's recorded state belongs to (`P:source`): the source and target it was recorded
 * for, and the device and inode of the source root once the job tracks something. A job whose
 * pair changed starts on fresh state; a pass whose root is not the recorded one is refused
 * (src/core/source-identity.ts).
 *
 * State written before this record existed has none; the daemon then records the pair it runs
 * with, and the root's identity at its next pass.
 */
import type { RedisClient } from './connection.js';
import type { RootIdentity, SyncPair } from '../core/source-identity.js';
import { StateKeys } from './keys.js';

export interface SourceRecord extends SyncPair {
  readonly identity?: RootIdentity;
}

export class SourceRecords {
  readonly #redis: RedisClient;
  readonly #key: string;

  constructor(redis: RedisClient, prefix: string, jobName: string) {
    this.#redis = redis;
    this.#key = new StateKeys(prefix, jobName).source;
  }

  async read(): Promise<SourceRecord | undefined> {
    const fields = await this.#redis.hgetall(this.#key);
    if (fields.source === undefined || fields.target === undefined) return undefined;
    const identity =
      fields.dev !== undefined && fields.ino !== undefined
        ? { dev: BigInt(fields.dev), ino: BigInt(fields.ino) }
        : undefined;
    return { source: fields.source, target: fields.target, ...(identity ? { identity } : {}) };
  }

  /** Records the pair; the identity recorded before goes with it (a new pair has none yet). */
  async writePair(pair: SyncPair): Promise<void> {
    await this.#redis
      .multi()
      .del(this.#key)
      .hset(this.#key, 'source', pair.source, 'target', pair.target, 'at', Date.now())
      .exec();
  }

  async writeIdentity(identity: RootIdentity): Promise<void> {
    await this.#redis.hset(
      this.#key,
      'dev',
      identity.dev.toString(),
      'ino',
      identity.ino.toString(),
      'identityAt',
      Date.now(),
    );
  }
}
