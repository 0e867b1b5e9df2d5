/** The inputs of worker actions and the context their steps share. */
import type { JobConfig } from '../config/index.js';
import type { FileAction, RecordedState } from '../core/decide.js';
import { encodeRelPath, type ObservedEntry } from '../core/entry.js';
import type { ActionHooks } from '../handlers/hooks.js';
import type { FileInfo, GoneEntry } from '../handlers/types.js';
import type { Avu, IrodsClient, ReplicaFacts } from '../irods/index.js';
import type { StepContext } from './pipeline.js';
import type { SourceFiles } from '../sources/index.js';
import type { SourceStat } from './source.js';

/** One entry to act on, with where it is on this host and where it goes in iRODS. */
export interface EntryTask {
  /** As the scanner saw it, or the worker just before the action. */
  readonly entry: ObservedEntry;
  /**
   * The entry was stat'ed by the caller right before the action (the batch's own look), so it
   * serves as the action's starting point instead of a second stat. A scanner's entry may be
   * minutes old and is never taken for one.
   */
  readonly justObserved?: boolean;
  /**
   * Absolute path on this host; for registrations also the physical path recorded in iRODS. A
   * Buffer when the path is not valid UTF-8: such a file can be read and uploaded, not registered.
   */
  readonly sourcePath: string | Buffer;
  /** From `mapRelPath`: job target + mapped relative path. */
  readonly logicalPath: string;
  /** Some element of the path had to be mapped; `originalB64` holds the original bytes. */
  readonly mapped: boolean;
  /** Base64 of the original relative path bytes, when mapped. */
  readonly originalB64?: string | undefined;
  /**
   * An earlier run lost the file's lock while acting on it: what iRODS holds is compared with the
   * file before anything else (core/decide.ts DecideOptions.recheck).
   */
  readonly recheck?: boolean;
  /**
   * An earlier try of this file failed (the batch's retry): it may have sent the file and lost
   * only the answer, so bytes go again only after what iRODS holds was compared with the file.
   */
  readonly retried?: boolean;
  /**
   * The physical path registrations record, where it is not `sourcePath`: the source as the
   * iRODS server sees it (`physical_source`), or the handler's choice.
   */
  readonly physicalPath?: string;
  /** The AVUs the object gets (the job's merged with the handler's); default the job's. */
  readonly avus?: readonly Avu[];
  /** The entry as the job's event handler sees it (when the job has one): what hooks get. */
  readonly file?: FileInfo;
}

/** What the actions need from their caller. */
export interface WorkerDeps {
  readonly job: JobConfig;
  readonly client: IrodsClient;
  /** Writes the entry's state once iRODS confirmed the action (the state store's `record`). */
  readonly record?: (relPath: Uint8Array, state: RecordedState) => Promise<void>;
  /**
   * Writes the provisional state of a file right before the action's first request that may put
   * an object in iRODS for it (when the file has no confirmed state), so that the object is the
   * job's from the moment it may exist: deleted if the file goes, whatever happens to the action.
   * Throws `LockLostError` when the caller no longer holds the file.
   */
  readonly track?: (relPath: Uint8Array, state: RecordedState) => Promise<void>;
  /** Drops a provisional state again: the action sent nothing to iRODS after all. */
  readonly untrack?: (relPath: Uint8Array) => Promise<void>;
  /** Drops the state of a deleted entry (and of everything below a directory). */
  readonly forget?: (relPath: Uint8Array, type: RecordedState['type']) => Promise<void>;
  /** The job's recorded entries, for deleting exactly those below a vanished directory. */
  readonly recorded?: RecordedEntries;
  /** Where the entry at a relative path lives in iRODS (mapRelPath below the job's target). */
  readonly logicalPathOf: (relPath: Uint8Array) => string;
  /**
   * Where uploads remember their open parallel-write handles (the state store's WriteHandles),
   * so that one left open by a killed worker is shut down before the file is sent again.
   */
  readonly handles?: WriteHandleRegistry;
  /** The job's event handler hooks, run around each action (handlers/hooks.ts). */
  readonly hooks?: ActionHooks;
  /** Aborted when the entry's time is up: no further step runs (StepContext.signal). */
  readonly signal?: AbortSignal;
  /**
   * Where the job's handler put an entry that is now gone (its `targetPath`, `physicalPath`):
   * deletes go there instead of the mirror path. Absent without such a handler.
   */
  readonly gone?: GonePlaces;
  /**
   * Called as a long step (an upload, a full read of the file) makes progress: renews this run's
   * lock of the file, and throws `LockLostError` once it no longer holds it, which stops the step.
   */
  readonly keepLock?: (relPath: Uint8Array) => Promise<void>;
  /** Lookups shared by the caller's batch for its content checks; without it, each file alone. */
  readonly checks?: CheckLookup;
  /** How files of a source that is not a local directory are read (S3); else from the disk. */
  readonly files?: SourceFiles;
}

/** What a handler says of an entry that is gone from the source. */
export interface GonePlaces {
  /** The entry as handler code sees it. */
  describe(relPath: Uint8Array, state: RecordedState): GoneEntry;
  /** Its logical path, when the handler chose one. */
  logicalPath(entry: GoneEntry): Promise<string | undefined>;
  /** Its registered physical path, when the handler chose one. */
  physicalPath(entry: GoneEntry): Promise<string | undefined>;
}

/** A file's checksum (iRODS form), known for the file as `stat` describes it. */
export interface KnownChecksum {
  readonly stat: SourceStat;
  readonly checksum: string;
}

/** What content checks look up (worker/check-lookup.ts), keyed by the object's logical path. */
export interface CheckLookup {
  /** The catalog's replicas of the data object (none when there is no object). */
  replicas(logicalPath: string): Promise<ReplicaFacts[]>;
  /** The SHA-256 of the object's source file, when at hand. */
  sha256(logicalPath: string): Promise<KnownChecksum | undefined>;
}

/** What the delete pipeline reads and drops of the job's recorded state. */
export interface RecordedEntries {
  /** The recorded children of a directory, keyed by the text form of their names. */
  children(dir: Uint8Array): Promise<ReadonlyMap<string, RecordedState>>;
  /** Drops the state of these entries (files; a directory's children stay). */
  forget(relPaths: readonly Uint8Array[]): Promise<void>;
}

/** Open parallel-write handles per file (text form of its relative path), kept across crashes. */
export interface WriteHandleRegistry {
  remember(relPath: string, handle: string): Promise<void>;
  get(relPath: string): Promise<string | undefined>;
  forget(relPath: string, handle: string): Promise<void>;
}

export interface EntryContext extends StepContext {
  readonly deps: WorkerDeps;
  readonly task: EntryTask;
  /** The action being carried out; an append that cannot append becomes an upload. */
  action: FileAction;
  /** The source as stat'ed before the action; what gets recorded. */
  before?: SourceStat;
  /** `sha2:` of the whole source file, when a step has read it all. */
  localSha2?: string;
  /** Set when a step already put the source mtime on the object. */
  mtimeCarried: boolean;
  /** Set when a step already had the server compute the checksum. */
  checksumComputed: boolean;
  bytesSent: number;
  /** What was recorded, once the record step ran. */
  recorded?: RecordedState;
  /** A confirmed state was recorded for the file before this action: it modifies (else creates). */
  existed: boolean;
  /**
   * The job's copy of the file is recorded already (a confirmed state, or the provisional one
   * this action wrote): no provisional state is needed before writing to it.
   */
  tracked: boolean;
  /** This action wrote the file's provisional state. */
  provisional: boolean;
  /** Adoption found an object of other content, which the job did not put there. */
  foreignObject: boolean;
  /**
   * An earlier try may have reached iRODS: retried by the batch, or a provisional state (see
   * EntryTask.retried).
   */
  retried: boolean;
  /** iRODS holds the file's content already (an earlier try sent it): no transfer. */
  alreadySent: boolean;
}

/** What an action did, for the caller's counters and logs. */
export interface ActionOutcome {
  /** The action carried out (an append may have become an upload). */
  action: FileAction;
  /** The state recorded; undefined when nothing was (skipped, or the source vanished). */
  recorded: RecordedState | undefined;
  /** The source was gone (or no longer a regular file) when its turn came. */
  vanished: boolean;
  bytesSent: number;
}

export function newContext(deps: WorkerDeps, task: EntryTask, action: FileAction): EntryContext {
  const { entry } = task;
  return {
    deps,
    task,
    action,
    ...(task.justObserved === true && entry.type === 'file'
      ? {
          before: {
            size: entry.size,
            mtimeNs: entry.mtimeNs,
            ctimeNs: entry.ctimeNs,
            ino: entry.ino,
          },
        }
      : {}),
    stopped: false,
    failure: { relPath: encodeRelPath(task.entry.relPath), operation: deps.job.operation },
    ...(deps.signal === undefined ? {} : { signal: deps.signal }),
    existed: false,
    mtimeCarried: false,
    checksumComputed: false,
    bytesSent: 0,
    tracked: false,
    provisional: false,
    foreignObject: false,
    retried: task.retried === true,
    alreadySent: false,
  };
}

export function outcomeOf(ctx: EntryContext): ActionOutcome {
  return {
    action: ctx.action,
    recorded: ctx.recorded,
    vanished: ctx.stopped && ctx.before === undefined,
    bytesSent: ctx.bytesSent,
  };
}
