/**
 * What a tree scan delivers: the contract between the scanner and the code that turns its
 * observations into work (design: "Scanner").
 */
import type { ObservedEntry } from '../core/entry.js';
import type { ExcludeType } from '../core/job-rules.js';
import type { PackedEntries } from './entry-codec.js';

export interface ScanOptions {
  /** Globs on the path relative to the source (picomatch, dot files included). */
  readonly exclude: readonly string[];
  readonly excludeTypes: readonly ExcludeType[];
  /** Report what symbolic links point to (and descend into linked directories). */
  readonly followSymlinks: boolean;
  /**
   * Most entries per chunk; a larger directory arrives in several chunks.
   * @defaultValue 1000
   */
  readonly chunkSize?: number;
}

/** A child that could not be stat'ed, read as a link, or opened as a directory. */
export interface ScanFailure {
  readonly relPath: Uint8Array;
  /** The error code, e.g. EACCES, or ELOOP for a followed link back to an ancestor. */
  readonly errno: string;
  readonly message: string;
  readonly syscall: string;
}

/** A slice of one directory's children. */
export interface DirectoryChunk {
  /** Relative path of the directory; empty for the source root. */
  readonly dir: Uint8Array;
  /** Its direct children that are not excluded, subdirectories included. */
  readonly entries: ObservedEntry[];
  /**
   * `entries` as the scan thread packed them, for reads without BigInts or copies: a directory
   * scan's chunks have them (entry-codec.ts), an S3 listing's do not.
   */
  readonly packed?: PackedEntries;
  /** How many children were excluded by config (globs or types). */
  readonly excluded: number;
  /** Names (not paths) of the excluded children, so that deletes can spare them. */
  readonly excludedNames: Uint8Array[];
  /** Children that could not be read; never in `entries` as well. */
  readonly failures: ScanFailure[];
  /** The last chunk of this directory. */
  readonly final: boolean;
  /**
   * On the final chunk: the directory itself was listed without error, so the names it holds
   * are all in `entries`, `excludedNames` or `failures`, and deletes may be decided from them.
   */
  readonly complete: boolean;
}
