/**
 * The record of a job's current (or last) pass: its number, start and end, and the counters the
 * pass summary line reports (core/counters.ts), one hash field each. Counters are Redis integers, so every worker adds to them directly.
 */
import { PASS_COUNTERS, type Counts } from '../core/counters.js';
import type { RedisClient } from './connection.js';
import { StateKeys } from './keys.js';

export interface PassRecord {
  /** 0 before the first pass. */
  pass: number;
  /** ms since the epoch. */
  startedAt?: number;
  /** Unset while the pass runs. */
  endedAt?: number;
  counts: Counts;
  /** What the pass found to do so far: files queued and the bytes they hold (progress). */
  queued: { files: number; bytes: number };
  /** The pass has listed the whole tree; `queued` is final. */
  scanned: boolean;
  /**
   * Directories the last complete pass listed: what a watcher of the tree will need in inotify
   * watches. Kept across passes (and restarts) until the next complete pass.
   */
  directories?: number;
  /** The job settings the last complete pass ran with (a digest). */
  settings?: string | undefined;
}

const COUNTER_NAMES = Object.values(PASS_COUNTERS);
const QUEUED_FIELDS = ['queuedFiles', 'queuedBytes'];

export class JobRecords {
  readonly #redis: RedisClient;
  readonly #key: string;

  constructor(redis: RedisClient, prefix: string, jobName: string) {
    this.#redis = redis;
    this.#key = new StateKeys(prefix, jobName).pass;
  }

  /**
   * A write that changes nothing (the pass number plus 0): throws while Redis refuses writes
   * (redis-refusal.ts), as every other write would.
   */
  async probeWrite(): Promise<void> {
    await this.#redis.hincrby(this.#key, 'pass', 0);
  }

  /** Starts the next pass: counters back to zero; returns its number. One transaction. */
  async startPass(at = Date.now()): Promise<number> {
    const zeroes = [...COUNTER_NAMES, ...QUEUED_FIELDS].flatMap((name) => [name, 0]);
    const replies = await this.#redis
      .multi()
      .hincrby(this.#key, 'pass', 1)
      .hset(this.#key, 'startedAt', at, ...zeroes)
      .hdel(this.#key, 'endedAt', 'scannedAt')
      .exec();
    const [error, pass] = replies?.[0] ?? [new Error('the pass transaction was discarded')];
    if (error) throw error;
    return pass as number;
  }

  /**
   * Adds to the counters of the running pass, and to the work it queued (its progress); one
   * round trip.
   */
  async incrementBy(
    counts: Partial<Counts>,
    queued: { files: number; bytes: number } = { files: 0, bytes: 0 },
  ): Promise<void> {
    const pipeline = this.#redis.pipeline();
    for (const [name, by] of Object.entries(counts)) {
      if (by) pipeline.hincrby(this.#key, name, by);
    }
    if (queued.files) pipeline.hincrby(this.#key, 'queuedFiles', queued.files);
    if (queued.bytes) pipeline.hincrby(this.#key, 'queuedBytes', queued.bytes);
    if (pipeline.length > 0) await pipeline.exec();
  }

  /** The running pass has listed the whole tree. */
  async noteScanned(at = Date.now()): Promise<void> {
    await this.#redis.hset(this.#key, 'scannedAt', at);
  }

  /** Ends the running pass; `settings` identifies the job settings it ran with. */
  async endPass(directories: number, settings: string, at = Date.now()): Promise<PassRecord> {
    await this.#redis.hset(
      this.#key,
      'endedAt',
      at,
      'directories',
      directories,
      'settings',
      settings,
    );
    return this.read();
  }

  async read(): Promise<PassRecord> {
    const fields = await this.#redis.hgetall(this.#key);
    const number = (name: string) =>
      fields[name] === undefined ? undefined : Number(fields[name]);
    const counts = Object.fromEntries(COUNTER_NAMES.map((name) => [name, number(name) ?? 0]));
    return {
      pass: number('pass') ?? 0,
      startedAt: number('startedAt'),
      endedAt: number('endedAt'),
      counts: counts as Counts,
      queued: { files: number('queuedFiles') ?? 0, bytes: number('queuedBytes') ?? 0 },
      scanned: fields.scannedAt !== undefined || fields.endedAt !== undefined,
      directories: number('directories'),
      settings: fields.settings,
    };
  }
}
