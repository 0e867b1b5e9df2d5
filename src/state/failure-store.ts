/**
 * Per-file failures of one job: the last failure of each file, until it is cleared (by a later
 * success) or retried. One hash field per failing file, so the list is bounded by the tree.
 */
import type { RedisClient } from './connection.js';
import { StateCorruptError } from './errors.js';
import { StateKeys } from './keys.js';

export interface FileFailure {
  /** encodeRelPath of the file's relative path. */
  relPath: string;
  operation: string;
  irodsCode?: number;
  errno?: string;
  message: string;
  attempts: number;
  /** When it failed, ms since the epoch. */
  at: number;
}

export interface FailurePage {
  failures: FileFailure[];
  /** Pass it back to list() for the next page; '0' when the list is done. */
  cursor: string;
}

export class FailureStore {
  readonly #redis: RedisClient;
  readonly #key: string;

  constructor(redis: RedisClient, prefix: string, jobName: string) {
    this.#redis = redis;
    this.#key = new StateKeys(prefix, jobName).failures;
  }

  /** Records (or replaces) the failure of one file. */
  async record(failure: FileFailure): Promise<void> {
    await this.#redis.hset(this.#key, failure.relPath, JSON.stringify(failure));
  }

  async get(relPath: string): Promise<FileFailure | undefined> {
    const json = await this.#redis.hget(this.#key, relPath);
    return json === null ? undefined : parseFailure(json);
  }

  /**
   * One page of failures, in no particular order. `limit` is a hint (Redis' HSCAN COUNT): a page
   * can be shorter or somewhat longer; a small list comes whole.
   */
  async list(limit = 100, cursor = '0'): Promise<FailurePage> {
    const [next, flat] = await this.#redis.hscan(this.#key, cursor, 'COUNT', limit);
    const failures: FileFailure[] = [];
    for (let i = 1; i < flat.length; i += 2) failures.push(parseFailure(flat[i]!));
    return { failures, cursor: next };
  }

  /** Every failure, page by page: what a retry walks through. */
  async *all(pageSize = 500): AsyncGenerator<FileFailure> {
    let cursor = '0';
    do {
      const page = await this.list(pageSize, cursor);
      yield* page.failures;
      cursor = page.cursor;
    } while (cursor !== '0');
  }

  /** Clears the failures of these files (after they succeeded); one round trip. */
  async clear(...relPaths: string[]): Promise<void> {
    if (relPaths.length > 0) await this.#redis.hdel(this.#key, ...relPaths);
  }

  /** Clears every failure (the job starts on fresh state). */
  async clearAll(): Promise<void> {
    await this.#redis.del(this.#key);
  }

  async count(): Promise<number> {
    return this.#redis.hlen(this.#key);
  }
}

function parseFailure(json: string): FileFailure {
  try {
    return JSON.parse(json) as FileFailure;
  } catch {
    throw new StateCorruptError(json, 'failure record');
  }
}
