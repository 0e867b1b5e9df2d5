/**
 * The Redis key schema of the daemon's persistent state: every key the state module reads or
 * writes is built here (the Lua scripts receive the built keys or the key stems below, never
 * invent their own). `P` is `${redis.key_prefix}:${job.name}`; job names cannot contain `:`, so
 * one job's keys never fall under another's.
 *
 * | Key                     | Type   | Holds                                                   |
 * | ----------------------- | ------ | ------------------------------------------------------- |
 * | `P:d:<dirId>:<shard>`   | hash   | recorded children of one directory (shard 0..n-1):      |
 * |                         |        | field = the child's name bytes, value = packed state    |
 * | `P:d:<dirId>:L`         | hash   | its children whose names are too long for a shard       |
 * | `P:shards`              | hash   | dirId → shard count, only for directories with > 1      |
 * | `P:tracked`             | string | how many entries are recorded, all directories together |
 * | `P:failures`            | hash   | encodeRelPath(relPath) → JSON of the FileFailure        |
 * | `P:handles`             | hash   | encodeRelPath(relPath) → parallel-write handle of an    |
 * |                         |        | upload in progress (or cut short by a crash), or        |
 * |                         |        | `unknown` while its init has had no answer              |
 * | `P:lock:<relPath text>` | string | the owner of a per-file lock, expiring (PX)             |
 * | `P:recheck`             | hash   | encodeRelPath(relPath) → owner of a batch run that lost |
 * |                         |        | the file's lock while acting on it: what iRODS holds    |
 * |                         |        | is checked against the file before the next decision    |
 * | `P:pass`                | hash   | the current (or last) pass: number, times and counters  |
 * | `P:source`              | hash   | what the state belongs to: `source`, `target`, and the  |
 * |                         |        | source root's `dev` and `ino` once recorded             |
 * | `P:deletes`             | list   | delete candidates of the running pass (text paths)      |
 * | `P:held`                | list   | deletes held by max_delete (text paths)                 |
 * | `P:hold`                | hash   | what is held: entries, paths, limit, tracked, pass, ... |
 * | `<prefix>:~bull:...`    | (many) | BullMQ's own keys for the job queues (`queuePrefix`)    |
 * | `<prefix>:~schema`      | string | the layout version of all of the above (schema.ts)      |
 * | `<prefix>:~targets`     | hash   | job name → JSON claim on its target (target-claims.ts)  |
 * | `<prefix>:~jobs`        | hash   | job name → JSON of the job's effective definition, read |
 * |                         |        | by worker hosts (job-definitions.ts); changes are       |
 * |                         |        | announced on the pub/sub channel of the same name       |
 * | `<prefix>:~job-names`   | set    | names of every job with state here (job-registry.ts)    |
 * | `<prefix>:~daemons`     | set    | ids of the daemons that registered (daemon-registry.ts) |
 * | `<prefix>:~daemon:<id>` | string | JSON of one daemon's heartbeat, expiring (PX)           |
 *
 * `dirId` is a digest of the directory's relative path bytes (the root is the empty path), so
 * keys have a fixed length whatever the depth and bytes of the path. Directory keys are completed
 * inside the scripts of dir-scripts.ts (stem + dirId + `:` + shard or `L`, as in the table),
 * because only a script knows the current shard count atomically.
 */
import { isAscii } from 'node:buffer';
import { createHash } from 'node:crypto';
import { StatePathError } from './errors.js';
import { splitRelPath } from './pack.js';

/**
 * The prefix BullMQ builds its keys under. `~` cannot occur in a job name, so the queues' keys
 * never fall under a job's `P:`.
 */
export function queuePrefix(prefix: string): string {
  return `${prefix}:~bull`;
}

/** A SCAN MATCH pattern for every key that starts with `literal` (its glob characters escaped). */
export function startingWith(literal: string): string {
  return `${literal.replace(/[*?[\]\\]/g, '\\$&')}*`;
}

/** Pattern of every key of the BullMQ queue named `queue` (SCAN MATCH). */
export function queueKeyPattern(prefix: string, queue: string): string {
  return startingWith(`${queuePrefix(prefix)}:${queue}:`);
}

/** The hash of job definitions, and the pub/sub channel announcing their changes. */
export function jobDefinitionsKey(prefix: string): string {
  return `${prefix}:~jobs`;
}

/** The set of the names of every job with state under the prefix (job-registry.ts). */
export function jobNamesKey(prefix: string): string {
  return `${prefix}:~job-names`;
}

/** The set indexing the daemons' heartbeat keys. */
export function daemonsKey(prefix: string): string {
  return `${prefix}:~daemons`;
}

/** One daemon's heartbeat; `id` is the daemon's run id (host, a colon, a random suffix). */
export function daemonKey(prefix: string, id: string): string {
  return `${prefix}:~daemon:${id}`;
}

export class StateKeys {
  readonly #base: string;

  constructor(prefix: string, jobName: string) {
    this.#base = `${prefix}:${jobName}`;
  }

  /** Pattern of every key of the job's state (SCAN MATCH). */
  get jobKeyPattern(): string {
    return startingWith(`${this.#base}:`);
  }

  /** Stem of directory keys: append `<dirId>:<shard>` or `<dirId>:L`. */
  get dirKeyStem(): string {
    return `${this.#base}:d:`;
  }

  get shardCounts(): string {
    return `${this.#base}:shards`;
  }

  get tracked(): string {
    return `${this.#base}:tracked`;
  }

  get failures(): string {
    return `${this.#base}:failures`;
  }

  get writeHandles(): string {
    return `${this.#base}:handles`;
  }

  lock(relPathText: string): string {
    return `${this.#base}:lock:${relPathText}`;
  }

  get recheck(): string {
    return `${this.#base}:recheck`;
  }

  get pass(): string {
    return `${this.#base}:pass`;
  }

  get source(): string {
    return `${this.#base}:source`;
  }

  get passDeletes(): string {
    return `${this.#base}:deletes`;
  }

  get heldDeletes(): string {
    return `${this.#base}:held`;
  }

  get hold(): string {
    return `${this.#base}:hold`;
  }

  /** Pattern of every key of the job's recorded entries (SCAN MATCH). */
  get dirKeyPattern(): string {
    return startingWith(`${this.#base}:d:`);
  }
}

/** Directory ids computed lately, by the directory's path bytes as latin1 text. */
const recentIds = new Map<string, string>();
/** Enough for the directories of the batches in flight; the map starts over when full. */
const RECENT_IDS = 4096;

/**
 * The id of a directory in key names: 16 bytes of SHA-1 over its relative path, base64url
 * (22 characters). Collisions are out of reach (2^64 directories for an even chance). The files
 * a pass or a batch handles share few directories, and a digest per file cost a first pass a
 * tenth of its time, a register batch a twentieth: recent ids are kept.
 */
export function dirId(dirPath: Uint8Array): string {
  const key = Buffer.from(dirPath.buffer, dirPath.byteOffset, dirPath.byteLength).toString(
    'latin1',
  );
  let id = recentIds.get(key);
  if (id === undefined) {
    id = createHash('sha1').update(dirPath).digest().subarray(0, 16).toString('base64url');
    if (recentIds.size >= RECENT_IDS) recentIds.clear();
    recentIds.set(key, id);
  }
  return id;
}

/**
 * Where an entry is stored: its directory's id and its name (the scripts' (id, name)), the name
 * as nameArgument gives it.
 */
export function entryAddress(relPath: Uint8Array): [string, string | Buffer] {
  return entryAddresses([relPath]).addresses[0]!;
}

/**
 * entryAddress of each of `relPaths`, the id of a directory worked out once for entries that
 * follow one another in it (a pass's chunk is one directory's), with the parent directories.
 */
export function entryAddresses(relPaths: readonly Uint8Array[]): {
  addresses: [string, string | Buffer][];
  /** The parent directories of the entries other than the root, by id. */
  parents: Map<string, Uint8Array>;
} {
  const addresses: [string, string | Buffer][] = [];
  const parents = new Map<string, Uint8Array>();
  let previous: Uint8Array | undefined;
  let id = '';
  for (const relPath of relPaths) {
    if (relPath.length === 0) throw new StatePathError(relPath, 'the root has no recorded state');
    const { dir, name } = splitRelPath(relPath);
    if (previous === undefined || Buffer.compare(dir, previous) !== 0) {
      previous = dir;
      id = dirId(dir);
      if (dir.length > 0) parents.set(id, dir);
    }
    addresses.push([id, nameArgument(name)]);
  }
  return { addresses, parents };
}

/**
 * A name as a script argument: its text when it is ASCII, as nearly every name is, else its
 * bytes. ioredis writes a command of text arguments as one string; one Buffer among them makes it
 * copy each argument into a buffer of its own, which cost a first pass's state writes half of
 * their time in the client.
 */
export function nameArgument(name: Uint8Array): string | Buffer {
  const bytes = Buffer.from(name.buffer, name.byteOffset, name.byteLength);
  return isAscii(bytes) ? bytes.toString('latin1') : bytes;
}

/** Addresses of `dir` and its ancestors, nearest first, flat: the chains the record scripts take. */
export function ancestorAddresses(dir: Uint8Array): (string | Buffer)[] {
  const chain: (string | Buffer)[] = [];
  for (let path = dir; path.length > 0; path = splitRelPath(path).dir) {
    chain.push(...entryAddress(path));
  }
  return chain;
}
