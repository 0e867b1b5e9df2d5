/**
 * What was last done for each entry of one job, stored per directory (see keys.ts and
 * dir-scripts.ts for the layout). Every batch method is one script call, so one round trip
 * whatever the batch size; forgetTree needs one per level of the removed tree.
 */
import type { RedisClient } from './connection.js';
import { childPathPrefix, decodeRelPath, encodeRelPath, joinRelPath } from '../core/entry.js';
import {
  CHILDREN,
  COUNT_ENTRIES,
  DROP_DIRECTORIES,
  FORGET,
  GET_MANY,
  RECORD,
  RECORD_HELD,
  RECORD_UNLOCKED,
  SHAPE,
  SUBDIRECTORIES,
} from './dir-scripts.js';
import { StatePathError } from './errors.js';
import { GroupCommit } from './group-commit.js';
import {
  ancestorAddresses,
  dirId,
  entryAddress,
  entryAddresses,
  nameArgument,
  StateKeys,
} from './keys.js';
import type { ScriptKeys } from './lua.js';
import { packState, unpackState } from './pack.js';
import { parseChildren, RecordedChildren } from './recorded-children.js';
import { scanKeys } from './scan.js';
import type { RecordedState } from '../core/decide.js';

/** Recorded for directories found only as ancestors of recorded entries: never "unchanged". */
const PLACEHOLDER = packState({ type: 'dir', size: 0, mtimeNs: 0n, ino: 0n });
/** Directories per script call while forgetting a tree, to keep each call short. */
const TREE_BATCH = 500;
/**
 * Recorded children read per script call at most, about: some 50 ms of Redis, which serves no
 * one else meanwhile. A pass reads up to 8 directories per call (listing-states.ts), rarely more
 * than this; a large directory takes several.
 */
const CHILDREN_PER_CALL = 50_000;

export interface RecordEntry {
  relPath: Uint8Array;
  state: RecordedState;
}

/** A child of a directory the pass records itself (recordUnlocked). */
export interface UnlockedEntry {
  /** Its text path (encodeRelPath): the name of its lock. */
  readonly path: string;
  /** Its name in the directory: text when ASCII, as PackedEntries.asciiName gives it, else bytes. */
  readonly name: string | Uint8Array;
  /** The state to record, packed (pack.ts). */
  readonly value: string;
  /** The packed state the caller compared with; '' for none. */
  readonly expected: string;
}

/** An entry recorded only while its lock is held by `owner`. */
type HeldEntry = RecordEntry & { readonly owner: string };

/** How a directory is stored: for tests and diagnostics. */
export interface DirectoryShape {
  shards: number;
  largestShard: number;
  /** Every shard kept Redis' compact (listpack) encoding. */
  compact: boolean;
}

export class FileStateStore {
  readonly #redis: RedisClient;
  readonly #keys: StateKeys;
  /** What every directory script takes first (dir-scripts.ts): its keys and the key stem. */
  readonly #scriptKeys: ScriptKeys;
  readonly #stem: string;
  readonly #heldWrites = new GroupCommit<HeldEntry, boolean>((entries) =>
    this.#recordHeld(entries),
  );

  constructor(redis: RedisClient, prefix: string, jobName: string) {
    this.#redis = redis;
    this.#keys = new StateKeys(prefix, jobName);
    this.#scriptKeys = [this.#keys.shardCounts, this.#keys.tracked];
    this.#stem = this.#keys.dirKeyStem;
  }

  /** The recorded children of `dir` ('' = the root), keyed by encodeRelPath of their names. */
  async recordedChildren(dir: Uint8Array): Promise<Map<string, RecordedState>> {
    const [packed] = await this.#packedChildrenOf([dir]);
    return new Map([...packed!].map(([name, state]) => [name, unpackState(state)]));
  }

  /**
   * The recorded children of each of `dirs`, packed (RecordedChildren), in one round trip: a pass
   * reads those of the directories it lists a group at a time (sync/listing-states.ts).
   */
  async packedChildren(dirs: readonly Uint8Array[]): Promise<RecordedChildren[]> {
    return (await this.#packedChildrenOf(dirs)).map((packed) => new RecordedChildren(packed));
  }

  async #packedChildrenOf(dirs: readonly Uint8Array[]): Promise<Map<string, string>[]> {
    const ids = dirs.map((dir) => dirId(dir));
    const children = ids.map(() => new Map<string, string>());
    // Where the next call goes on: the first directory not read to its end, its shard and the
    // cursor of its long names (CHILDREN).
    let next = 0;
    let shard = 0;
    let cursor = '0';
    while (next < ids.length) {
      const [pieces, resumeShard, resumeCursor] = (await CHILDREN.run(
        this.#redis,
        this.#scriptKeys,
        [this.#stem, CHILDREN_PER_CALL, shard, cursor, ...ids.slice(next)],
      )) as [Buffer[][], number, Buffer];
      pieces.forEach((piece, i) => parseChildren(piece, children[next + i]));
      if (resumeShard < 0) break;
      next += pieces.length - 1;
      shard = resumeShard;
      cursor = resumeCursor.toString('latin1');
    }
    return children;
  }

  async getMany(relPaths: readonly Uint8Array[]): Promise<(RecordedState | undefined)[]> {
    if (relPaths.length === 0) return [];
    const args: (string | Buffer | number)[] = [this.#stem, relPaths.length];
    for (const address of entryAddresses(relPaths).addresses) args.push(...address);
    const values = (await GET_MANY.run(this.#redis, this.#scriptKeys, args)) as (Buffer | null)[];
    return values.map((value) => (value ? unpackState(value.toString('latin1')) : undefined));
  }

  /**
   * Records entries (overwriting what was there). Their missing ancestor directories are recorded
   * too, with a placeholder state, so that forgetTree can always reach every entry.
   */
  async record(entries: readonly RecordEntry[]): Promise<void> {
    if (entries.length === 0) return;
    const args: (string | Buffer | number)[] = [this.#stem, PLACEHOLDER, entries.length];
    const { addresses, parents } = entryAddresses(entries.map(({ relPath }) => relPath));
    entries.forEach(({ state }, i) => args.push(...addresses[i]!, packState(state)));
    for (const dir of parents.values()) {
      const chain = ancestorAddresses(dir);
      args.push(chain.length / 2, ...chain);
    }
    await RECORD.run(this.#redis, this.#scriptKeys, args);
  }

  /**
   * Records entries whose lock `owner` still holds, checked atomically with the write (see
   * RECORD_HELD); returns, per entry, whether it was written. A run whose lock lapsed learns here
   * that its state must not go in.
   */
  async recordHeld(entries: readonly RecordEntry[], owner: string): Promise<boolean[]> {
    return this.#recordHeld(entries.map((entry) => ({ ...entry, owner })));
  }

  /**
   * recordHeld of one entry, sent together with those the job's other batch runs write meanwhile
   * (GroupCommit): each run writes a provisional state right before its file's first request to
   * iRODS, one file after the other.
   */
  recordHeldSoon(entry: RecordEntry, owner: string): Promise<boolean> {
    return this.#heldWrites.submit({ ...entry, owner });
  }

  async #recordHeld(entries: readonly HeldEntry[]): Promise<boolean[]> {
    if (entries.length === 0) return [];
    const keys: [string, ...string[]] = [...this.#scriptKeys];
    const args: (string | Buffer | number)[] = [this.#stem, PLACEHOLDER, entries.length];
    const { addresses, parents } = entryAddresses(entries.map(({ relPath }) => relPath));
    entries.forEach(({ relPath, state, owner }, i) => {
      keys.push(this.#keys.lock(encodeRelPath(relPath)));
      args.push(owner, ...addresses[i]!, packState(state));
    });
    args.push(...this.#chainsOf(parents));
    const held = (await RECORD_HELD.run(this.#redis, keys, args)) as number[];
    return held.map((flag) => flag === 1);
  }

  /**
   * Records children of `dir` that no worker holds the lock of and whose recorded state is still
   * the one the caller compared with, checked atomically with the write (see RECORD_UNLOCKED);
   * one round trip. Returns, per entry, whether it was written: one that was not is left to a
   * worker.
   */
  async recordUnlocked(dir: Uint8Array, entries: readonly UnlockedEntry[]): Promise<boolean[]> {
    if (entries.length === 0) return [];
    const prefix = childPathPrefix(encodeRelPath(dir));
    const lockStem = this.#keys.lock('');
    // Where each entry goes in the call: those whose lock key the script builds, then the rest.
    const names: string[] = [];
    const values: string[] = [];
    const expected: string[] = [];
    const explicit: (string | Buffer)[] = [];
    const order: number[] = [];
    const last: number[] = [];
    entries.forEach((entry, i) => {
      const { path, name } = entry;
      if (!isChildName(name)) {
        throw new StatePathError(decodeRelPath(path), 'not a name a directory holds');
      }
      if (typeof name === 'string' && prefix !== undefined && isPrefixed(path, prefix, name)) {
        names.push(name);
        values.push(entry.value);
        expected.push(entry.expected);
        order.push(i);
      } else {
        const argument = typeof name === 'string' ? name : nameArgument(name);
        explicit.push(argument, entry.value, entry.expected, lockStem + path);
        last.push(i);
      }
    });
    const id = dirId(dir);
    const refused = (await RECORD_UNLOCKED.run(this.#redis, this.#scriptKeys, [
      this.#stem,
      PLACEHOLDER,
      id,
      lockStem + (prefix ?? ''),
      names.length,
      names.join('/'),
      values.join('/'),
      expected.join('/'),
      last.length,
      ...explicit,
      ...this.#chainsOf(dir.length === 0 ? new Map() : new Map([[id, dir]])),
    ])) as number[];
    order.push(...last);
    const written = entries.map(() => true);
    for (const at of refused) written[order[at - 1]!] = false;
    return written;
  }

  /**
   * The recheck marks of files (text paths): the owner token of the run that lost the file's
   * lock while acting on it, or undefined (see FileLocks.release).
   */
  async recheckMarks(relPaths: readonly string[]): Promise<(string | undefined)[]> {
    if (relPaths.length === 0) return [];
    const marks = await this.#redis.hmget(this.#keys.recheck, ...relPaths);
    return marks.map((mark) => mark ?? undefined);
  }

  /**
   * Marks files (text paths) for a recheck in `owner`'s name: a run that gave up on an action
   * half done (its file_timeout struck) may have left part of it in iRODS.
   */
  async markRecheck(relPaths: readonly string[], owner: string): Promise<void> {
    if (relPaths.length === 0) return;
    await this.#redis.hset(this.#keys.recheck, ...relPaths.flatMap((path) => [path, owner]));
  }

  /** Every file with a recheck mark (text paths); few, if any. */
  async recheckPaths(): Promise<string[]> {
    return this.#redis.hkeys(this.#keys.recheck);
  }

  /** Forgets single entries. A directory's own children stay: use forgetTree for directories. */
  async forget(relPaths: readonly Uint8Array[]): Promise<void> {
    if (relPaths.length === 0) return;
    const args: (string | Buffer | number)[] = [this.#stem];
    for (const address of entryAddresses(relPaths).addresses) args.push(...address);
    await FORGET.run(this.#redis, this.#scriptKeys, args);
  }

  /**
   * Forgets `dir` and everything recorded below it; returns how many entries that was. The tree
   * is read top-down, then dropped bottom-up with the directory's own entry last, so a crash
   * part-way leaves the rest still reachable and calling forgetTree again finishes the job.
   */
  async forgetTree(dir: Uint8Array): Promise<number> {
    const levels = await this.#levels(dir);
    let removed = 0;
    for (const ids of levels.reverse()) {
      for (let i = 0; i < ids.length; i += TREE_BATCH) {
        const batch = ids.slice(i, i + TREE_BATCH);
        removed += (await DROP_DIRECTORIES.run(this.#redis, this.#scriptKeys, [
          this.#stem,
          ...batch,
        ])) as number;
      }
    }
    if (dir.length > 0) {
      removed += (await FORGET.run(this.#redis, this.#scriptKeys, [
        this.#stem,
        ...entryAddress(dir),
      ])) as number;
    }
    return removed;
  }

  /**
   * Moves the recorded state of directory `from` and everything below it to `to` (a directory
   * renamed in the source and in iRODS): copied top-down, then forgotten at the old place. A crash
   * part-way leaves both copies or part of the new one, which the next pass sorts out: the old
   * paths are gone from the source, and whatever is missing at the new place is synced again.
   */
  async moveTree(from: Uint8Array, to: Uint8Array, state: RecordedState): Promise<void> {
    let copies: RecordEntry[] = [{ relPath: to, state }];
    for (let level: [Uint8Array, Uint8Array][] = [[from, to]]; level.length > 0;) {
      const next: [Uint8Array, Uint8Array][] = [];
      for (const [source, destination] of level) {
        for (const [name, child] of await this.recordedChildren(source)) {
          const bytes = decodeRelPath(name);
          const moved = joinRelPath(destination, bytes);
          copies.push({ relPath: moved, state: child });
          if (child.type === 'dir') next.push([joinRelPath(source, bytes), moved]);
        }
        if (copies.length >= TREE_BATCH) {
          await this.record(copies);
          copies = [];
        }
      }
      level = next;
    }
    await this.record(copies);
    await this.forgetTree(from);
  }

  /** How many entries are recorded below `dir` (not counting `dir` itself). */
  async countTree(dir: Uint8Array): Promise<number> {
    let total = 0;
    for (const ids of await this.#levels(dir)) {
      for (let i = 0; i < ids.length; i += TREE_BATCH) {
        const batch = ids.slice(i, i + TREE_BATCH);
        total += (await COUNT_ENTRIES.run(this.#redis, this.#scriptKeys, [
          this.#stem,
          ...batch,
        ])) as number;
      }
    }
    return total;
  }

  /**
   * Forgets everything recorded for the job (its state no longer belongs to its source and
   * target). The counter goes last: until then the job still looks like it tracks something.
   */
  async forgetAll(): Promise<void> {
    for await (const keys of scanKeys(this.#redis, this.#keys.dirKeyPattern)) {
      await this.#redis.unlink(...keys);
    }
    await this.#redis.del(this.#keys.shardCounts, this.#keys.tracked);
  }

  /** How many entries are recorded for the job, in O(1). */
  async trackedCount(): Promise<number> {
    return Number((await this.#redis.get(this.#keys.tracked)) ?? 0);
  }

  async directoryShape(dir: Uint8Array): Promise<DirectoryShape> {
    const reply = (await SHAPE.run(this.#redis, this.#scriptKeys, [
      this.#stem,
      dirId(dir),
    ])) as number[];
    const [shards, largestShard, compact] = reply as [number, number, number];
    return { shards, largestShard, compact: compact === 1 };
  }

  /** The directory ids of the tree under `dir` (itself included), level by level from the top. */
  async #levels(dir: Uint8Array): Promise<string[][]> {
    const levels: string[][] = [];
    for (let level = [dir]; level.length > 0;) {
      levels.push(level.map((path) => dirId(path)));
      const next: Uint8Array[] = [];
      for (let i = 0; i < level.length; i += TREE_BATCH) {
        const batch = level.slice(i, i + TREE_BATCH);
        const ids = batch.map((path) => dirId(path));
        const reply = await SUBDIRECTORIES.run(this.#redis, this.#scriptKeys, [this.#stem, ...ids]);
        (reply as Buffer[][]).forEach((names, j) => {
          for (const name of names) next.push(joinRelPath(batch[j]!, name));
        });
      }
      level = next;
    }
    return levels;
  }

  /**
   * The PUT_CHAINS arguments of the lock-checked record scripts: per parent directory of the
   * entries (by id), its id, the length of its ancestor chain and the chain.
   */
  #chainsOf(parents: ReadonlyMap<string, Uint8Array>): (string | Buffer | number)[] {
    const args: (string | Buffer | number)[] = [];
    for (const [id, dir] of parents) {
      const chain = ancestorAddresses(dir);
      args.push(id, chain.length / 2, ...chain);
    }
    return args;
  }
}

/** Whether `name` can name a child of a directory: not empty, without a slash. */
function isChildName(name: string | Uint8Array): boolean {
  return name.length > 0 && (typeof name === 'string' ? !name.includes('/') : !name.includes(0x2f));
}

/** Whether `path` is `prefix` followed by `name`, told without joining them. */
function isPrefixed(path: string, prefix: string, name: string): boolean {
  return (
    path.length === prefix.length + name.length && path.startsWith(prefix) && path.endsWith(name)
  );
}
