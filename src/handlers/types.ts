/**
 * The contract of an event handler module, for the people who write one (design.md "Event
 * handlers"). A job's `handler` key names a `.mjs`, `.js` (ESM) or `.ts` module whose default
 * export is a `Handler`:
 *
 * ```ts
 * import type { Handler } from 'irods-ingest/handler';
 *
 * export default {
 *   operation: (file) => (file.name.endsWith('.json') ? 'none' : undefined),
 *   metadata: (file) => ({ sample: file.name.split('_')[0] ?? '' }),
 *   async preDataObjCreate({ path, log }) {
 *     log.info(`about to create ${path}`);
 *   },
 * } satisfies Handler;
 * ```
 *
 * Every member is optional and may be async. A policy member that returns `undefined` leaves
 * the job's setting in force. The module runs inside the daemon, with the daemon's rights.
 *
 * This file stands alone (it imports nothing), so that its declaration file is all a handler
 * author needs, in a checkout and under the install prefix alike.
 */

/** What the job does with a file; `none` skips it (nothing in iRODS, counted as excluded). */
export type Operation =
  'register' | 'register_replica' | 'put' | 'put_sync' | 'put_append' | 'none';

/** A file or directory of the job's source, as the daemon sees it before acting on it. */
export interface FileInfo {
  /**
   * Absolute path on the daemon's host (bytes that are not UTF-8 shown as U+FFFD); for an S3
   * source, `s3://bucket/key`.
   */
  readonly path: string;
  /** Path relative to the job's source, `/`-separated; "" for the source root. */
  readonly relativePath: string;
  /** The last element of the path; "" for the source root. */
  readonly name: string;
  readonly type: 'file' | 'directory';
  /** Bytes; 0 for directories. */
  readonly size: number;
  /** Modification time, ms since the epoch (fractions kept). */
  readonly mtimeMs: number;
  /** st_mode: permission bits and file type. */
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
  /** For a symbolic link followed (`follow_symlinks = true`): where it points. */
  readonly linkTarget?: string;
  /** S3 sources: the object's key (`path` is then `s3://bucket/key`). */
  readonly key?: string;
}

/**
 * An entry that is gone from the source, as the job last recorded it: what delete hooks get, and
 * what `targetPath` and `physicalPath` get when the daemon works out where a deleted file went.
 */
export interface GoneEntry {
  readonly gone: true;
  readonly path: string;
  readonly relativePath: string;
  readonly name: string;
  readonly type: 'file' | 'directory';
  /** As recorded; 0 for directories. */
  readonly size: number;
  readonly mtimeMs: number;
}

/** One AVU. `units` omitted means "". */
export interface Avu {
  readonly attribute: string;
  readonly value: string;
  readonly units?: string;
}

/** AVUs as `{ attribute: value }`, or as a list (several values of one attribute, units). */
export type Avus = Readonly<Record<string, string>> | readonly Avu[];

/** The job the handler works for: its configuration, read-only. */
export interface JobInfo {
  readonly name: string;
  /** Local directory (or `s3://bucket/prefix`). */
  readonly source: string;
  /** The collection the job mirrors the source into. */
  readonly target: string;
  readonly operation: Operation;
  readonly delete: 'keep' | 'unregister' | 'trash' | 'no_trash';
  /** The destination resource. */
  readonly resource: string;
  /** The job's own AVUs; a handler's `metadata()` adds to them and wins on an attribute. */
  readonly metadata: Readonly<Record<string, string>>;
  /** Where the iRODS server sees `source` (register operations); "" when it sees it as is. */
  readonly physical_source: string;
}

/** The daemon's logger, with the job and the path attached to every line. */
export interface HandlerLog {
  error(message: string, fields?: Readonly<Record<string, unknown>>): void;
  warn(message: string, fields?: Readonly<Record<string, unknown>>): void;
  info(message: string, fields?: Readonly<Record<string, unknown>>): void;
  debug(message: string, fields?: Readonly<Record<string, unknown>>): void;
}

/** What `irods.stat` finds at a logical path. Times are seconds since the epoch. */
export type IrodsEntry =
  | {
      readonly type: 'data_object';
      readonly size: number;
      readonly checksum: string;
      readonly modifiedAt: number;
    }
  | { readonly type: 'collection'; readonly modifiedAt: number };

/** One GenQuery condition, e.g. `{ column: 'DATA_NAME', op: 'like', value: '%.tif' }`. */
export interface QueryCondition {
  readonly column: string;
  readonly op: '=' | '!=' | '<>' | '<' | '<=' | '>' | '>=' | 'like' | 'not like';
  readonly value: string;
}

/**
 * The few iRODS calls hooks may make, through the daemon's own client (its connections,
 * retries and metrics). Paths are logical paths.
 */
export interface IrodsHandle {
  /** The data object or collection at `path`, or undefined when there is none. */
  stat(path: string): Promise<IrodsEntry | undefined>;
  /** Adds AVUs to the data object or collection at `path` (adding one twice changes nothing). */
  addMetadata(path: string, avus: Avus): Promise<void>;
  removeMetadata(path: string, avus: Avus): Promise<void>;
  /** GenQuery rows, keyed by column name, every value a string. */
  query(
    select: readonly string[],
    where?: readonly QueryCondition[],
  ): Promise<Record<string, string>[]>;
}

/** What a hook around an action on a data object or a collection gets. */
export interface HookContext {
  readonly job: JobInfo;
  readonly file: FileInfo;
  /** The logical path acted on. */
  readonly path: string;
  readonly irods: IrodsHandle;
  readonly log: HandlerLog;
}

/** What a hook around a delete gets: the entry is gone from the source. */
export interface DeleteHookContext {
  readonly job: JobInfo;
  readonly file: GoneEntry;
  readonly path: string;
  readonly irods: IrodsHandle;
  readonly log: HandlerLog;
}

/** A pass's counters, as its summary line reports them. */
export interface PassCounts {
  readonly seen: number;
  readonly new: number;
  readonly updated: number;
  readonly deleted: number;
  readonly excluded: number;
  readonly failed: number;
  /** Bytes sent to iRODS. */
  readonly bytes: number;
  /** Files without recorded state whose data object already matched: recorded, nothing sent. */
  readonly adopted: number;
  /** Files without recorded state whose existing object `put` kept as it was. */
  readonly kept: number;
  /** Files this handler chose operation `none` for. */
  readonly skipped: number;
}

/** What `prePass` and `postPass` get. */
export interface PassHookContext {
  readonly job: JobInfo;
  /** The pass's number (1 for the job's first). */
  readonly pass: number;
  /** Zero in `prePass`; the pass's totals in `postPass`. */
  readonly counts: PassCounts;
  readonly log: HandlerLog;
}

type Maybe<T> = T | undefined | Promise<T | undefined>;
type Done = void | Promise<void>;

/**
 * The default export of a handler module. Policy members choose per file; hooks run around
 * actions: a pre hook before anything is sent to iRODS for the entry, a post hook only after
 * the action succeeded. A hook (or policy member) that throws fails that entry alone, with the
 * thrown message on the job's failure list; it is tried again only when the error has
 * `retryable = true` (`throw Object.assign(new Error('still locked'), { retryable: true })`).
 */
export interface Handler {
  /** The operation for this file; `none` skips it. Default: the job's `operation`. */
  operation?(file: FileInfo): Maybe<Operation>;
  /** The destination resource. Default: the job's `resource`. */
  resource?(file: FileInfo): Maybe<string>;
  /** The logical path; it must lie under the job's target, else the file fails. */
  targetPath?(file: FileInfo | GoneEntry): Maybe<string>;
  /** The physical path to register (register operations). Default: see `physical_source`. */
  physicalPath?(file: FileInfo | GoneEntry): Maybe<string>;
  /** AVUs added on create and modify, next to the job's `metadata` (these win). */
  metadata?(file: FileInfo): Maybe<Avus>;
  /** Tries for retryable failures, at least 1. Default: 10. */
  maxAttempts?(file: FileInfo): Maybe<number>;
  /** Milliseconds before try `attempt + 1`. Default: 2 s doubling, jittered, at most 5 min. */
  retryDelay?(file: FileInfo, attempt: number): Maybe<number>;
  /** Milliseconds the file's whole action may take, hooks included. Default: no limit. */
  timeout?(file: FileInfo): Maybe<number>;

  preDataObjCreate?(ctx: HookContext): Done;
  postDataObjCreate?(ctx: HookContext): Done;
  preDataObjModify?(ctx: HookContext): Done;
  postDataObjModify?(ctx: HookContext): Done;
  preDataObjDelete?(ctx: DeleteHookContext): Done;
  postDataObjDelete?(ctx: DeleteHookContext): Done;
  preCollCreate?(ctx: HookContext): Done;
  postCollCreate?(ctx: HookContext): Done;
  preCollDelete?(ctx: DeleteHookContext): Done;
  postCollDelete?(ctx: DeleteHookContext): Done;

  /** Before each pass over the source; throwing fails the pass (it is tried again later). */
  prePass?(ctx: PassHookContext): Done;
  /** After each pass, periodic jobs' passes included. */
  postPass?(ctx: PassHookContext): Done;
}
