/**
 * A job's source, whatever it is (a directory tree or an S3 prefix), as the rest of the daemon
 * sees it: the listing of a pass, the batch's look at its entries, the worker's reads, and the
 * look at the root before a pass. The passes, the state, the queue, the workers, the failure
 * list and the delete safety are the same for both; only these differ.
 *
 * Paths handed to `stats` and `files` are the entries' source paths (sources/observe.ts
 * `sourcePathOf`): absolute paths on this host, or `/bucket/key` for S3, which is also the
 * physical path a registration records.
 */
import type { OpenedSource } from '../core/byte-source.js';
import type { ChecksumScheme } from '../core/checksum.js';
import type { RootLook } from '../core/source-identity.js';
import type { HashAnswer, StatAnswer } from './stat-thread.js';
import type { DirectoryChunk, ScanOptions } from './types.js';

/** The facts of a source file that decide whether it changed (what the state store keeps). */
export interface FileFacts {
  size: number;
  mtimeNs: bigint;
  ctimeNs: bigint;
  /** A file's inode; an object's ETag fingerprint (core/s3-keys.ts). */
  ino: bigint;
}

/** How a batch looks at all its entries at once. */
export interface SourceStats {
  statMany(paths: readonly (string | Uint8Array)[], followSymlinks: boolean): Promise<StatAnswer[]>;
  hashMany(
    paths: readonly (string | Uint8Array)[],
    followSymlinks: boolean,
    upTo: number,
  ): Promise<(HashAnswer | undefined)[]>;
  close(): Promise<void>;
}

/** Called as a long read goes on; throwing stops it. */
export type ReadProgress = (bytesRead: number) => Promise<void>;

/** How a worker reads one file of a source that is not on this host's file system. */
export interface SourceFiles {
  /** The file's facts now, or undefined when it is gone. */
  stat(path: string | Buffer): Promise<FileFacts | undefined>;
  /** The checksum (iRODS form) of its first `length` bytes; RangeError when it holds fewer. */
  checksum(
    path: string | Buffer,
    scheme: ChecksumScheme,
    options: { length?: number | undefined; progress?: ReadProgress | undefined },
  ): Promise<string>;
  /** Opens it for an upload of the content `expected` describes. */
  open(path: string | Buffer, expected: FileFacts): Promise<OpenedSource>;
}

export interface JobSource {
  /** The listing of one pass. */
  scan(options: ScanOptions): AsyncIterable<DirectoryChunk>;
  /** The root as a pass would see it, with `marker` looked for when it is not "". */
  look(marker: string): Promise<RootLook>;
  readonly stats: SourceStats;
  /** Undefined for a directory: the workers read its files themselves. */
  readonly files: SourceFiles | undefined;
  /**
   * Deletes wait for a listing of the whole source without error, not only of the directory
   * they are in (S3: a failing page is more often the store's or the network's than the key's).
   */
  readonly deletesNeedWholeListing: boolean;
  close(): Promise<void>;
}
