/**
 * Per-file failures of one job: the last failure of each file, until it is cleared (by a later
 * success, or a pass that found the file gone) or retried. One hash field per failing file, so
 * the list is bounded by the tree. Recording and clearing keep the pass record's `failed` counter
 * in step with the list (failure-scripts.ts).
 */
import { clip, MAX_KEPT_MESSAGE } from '../errors.js';
import type { RedisClient } from './connection.js';
import { StateCorruptError } from './errors.js';
import { CLEAR_FAILURES, RECORD_FAILURE } from './failure-scripts.js';
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
  /** The pass it was recorded in (set by the store; absent in records of older daemons). */
  pass?: number;
}

export interface FailurePage {
  failures: FileFailure[];
  /** Pass it back to list() for the next page; '0' when the list is done. */
  cursor: string;
}

export class FailureStore {
  readonly #redis: RedisClient;
  readonly #key: string;
  readonly #passKey: string;

  constructor(redis: RedisClient, prefix: string, jobName: string) {
    this.#redis = redis;
    const keys = new StateKeys(prefix, jobName);
    this.#key = keys.failures;
    this.#passKey = keys.pass;
  }

  /**
   * Records (or replaces) the failure of one file, under the current pass, and counts it in that
   * pass's `failed` unless the file already failed in it. The message is clipped: one field per
   * failing file bounds the list only while each field is bounded too.
   */
  async record(failure: Omit<FileFailure, 'pass'>): Promise<void> {
    const { relPath, message, ...rest } = failure;
    const json = JSON.stringify({ relPath, ...rest, message: clip(message, MAX_KEPT_MESSAGE) });
    await RECORD_FAILURE.run(this.#redis, [this.#key, this.#passKey], [relPath, json]);
  }

  /** Whether each of these files (text paths) is on the list; one round trip. */
  async have(relPaths: readonly string[]): Promise<boolean[]> {
    if (relPaths.length === 0) return [];
    const values = await this.#redis.hmget(this.#key, ...relPaths);
    return values.map((value) => value !== null);
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
    for await (const page of this.pages(pageSize)) yield* page;
  }

  /** Every failure, a page at a time (a page may be empty). */
  async *pages(pageSize = 500): AsyncGenerator<FileFailure[]> {
    let cursor = '0';
    do {
      const page = await this.list(pageSize, cursor);
      yield page.failures;
      cursor = page.cursor;
    } while (cursor !== '0');
  }

  /**
   * Clears the failures of these files (they succeeded, or are gone); one round trip. Returns
   * how many there were.
   */
  async clear(...relPaths: string[]): Promise<number> {
    if (relPaths.length === 0) return 0;
    return (await CLEAR_FAILURES.run(this.#redis, [this.#key, this.#passKey], relPaths)) as number;
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
