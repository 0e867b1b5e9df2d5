/**
 * The end of a batch run's hold on its files, one file at a time as each finishes (so that the
 * watcher and other workers see a file's new state, and may act on it, while the rest of its
 * batch still runs), or several at once. Fenced by the file locks (FileLocks): a run that lost a
 * file's lock writes nothing for it and leaves a recheck mark instead (settle-scripts.ts).
 *
 * Also the provisional state's way out: a file whose upload sent nothing after all (it could not
 * even be opened) has it dropped again, so that the job never deletes an object it did not write.
 */
import type { RecordedState } from '../core/decide.js';
import { encodeRelPath } from '../core/entry.js';
import type { RedisClient } from './connection.js';
import { ancestorAddresses, entryAddress, StateKeys } from './keys.js';
import { packState, splitRelPath } from './pack.js';
import { FORGET_PROVISIONAL_HELD, SETTLE_HELD } from './settle-scripts.js';

/** The placeholder state of directories found only as ancestors (as FileStateStore records). */
const PLACEHOLDER = packState({ type: 'dir', size: 0, mtimeNs: 0n, ino: 0n });

/** One file of a batch run whose hold ends. */
export interface SettledFile {
  /** encodeRelPath text. */
  readonly relPath: string;
  /** The state to record, when the run's action was confirmed by iRODS. */
  readonly state?: { readonly relPath: Uint8Array; readonly state: RecordedState } | undefined;
  /** The run acted on the file (it may have written to iRODS for it). */
  readonly touched: boolean;
  /** The recheck mark the run found for the file and resolved: cleared with the lock. */
  readonly resolvedMark?: string | undefined;
  /** The file is done (or gone): its failure, if any, is cleared with the lock. */
  readonly done: boolean;
}

export class FileSettlement {
  readonly #redis: RedisClient;
  readonly #keys: StateKeys;

  constructor(redis: RedisClient, prefix: string, jobName: string) {
    this.#redis = redis;
    this.#keys = new StateKeys(prefix, jobName);
  }

  /**
   * Ends `owner`'s hold on `files`; one round trip. Returns, per file, whether the owner still
   * held its lock (and so wrote its state).
   */
  async settle(files: readonly SettledFile[], owner: string): Promise<boolean[]> {
    if (files.length === 0) return [];
    const keys = this.#keys;
    const scriptKeys: [string, ...string[]] = [
      keys.shardCounts,
      keys.tracked,
      keys.recheck,
      keys.failures,
      keys.pass,
    ];
    const args: (string | Buffer | number)[] = [keys.dirKeyStem, PLACEHOLDER, owner];
    for (const file of files) {
      scriptKeys.push(keys.lock(file.relPath));
      args.push(
        file.relPath,
        file.touched ? '1' : '0',
        file.resolvedMark ?? '',
        file.done ? '1' : '0',
        file.state === undefined ? '0' : '1',
      );
      if (file.state === undefined) continue;
      const { relPath, state } = file.state;
      const chain = ancestorAddresses(splitRelPath(relPath).dir);
      args.push(...entryAddress(relPath), packState(state), chain.length / 2, ...chain);
    }
    const held = (await SETTLE_HELD.run(this.#redis, scriptKeys, args)) as number[];
    return held.map((flag) => flag === 1);
  }

  /**
   * Drops the provisional state of `relPath` while `owner` holds its lock; a confirmed state
   * stays. Returns whether one was dropped.
   */
  async forgetProvisional(relPath: Uint8Array, owner: string): Promise<boolean> {
    const keys = this.#keys;
    const removed = (await FORGET_PROVISIONAL_HELD.run(
      this.#redis,
      [keys.shardCounts, keys.tracked, keys.lock(encodeRelPath(relPath))],
      [keys.dirKeyStem, owner, ...entryAddress(relPath)],
    )) as number;
    return removed > 0;
  }
}
