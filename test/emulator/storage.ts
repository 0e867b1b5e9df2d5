/**
 * Where replica bytes live: a unixfilesystem resource keeps them in files on this machine, an s3
 * resource keeps them as objects in a bucket. A physical path of an s3 replica is bucket-rooted,
 * `/bucket/key` (the iRODS S3 plugin's vault form). Both kinds answer the same small interface,
 * so the ops never care which one holds a replica.
 */
import { createReadStream, existsSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { copyFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';

/** A byte range, both ends inclusive. */
export interface ByteRange {
  readonly start: number;
  readonly end: number;
}

export interface Storage {
  /** Bytes stored at `path`, or undefined when nothing is there. */
  size(path: string): Promise<number | undefined>;
  /** The stored bytes, or the range of them. */
  read(path: string, range?: ByteRange): Promise<AsyncIterable<Uint8Array>>;
  /** Stores the bytes of a local file at `path`, replacing what was there. */
  store(path: string, localFile: string): Promise<void>;
  /** Copies the bytes at `path` into a local file. */
  fetch(path: string, localFile: string): Promise<void>;
  /** Removes what is at `path`; nothing there is not an error. */
  remove(path: string): Promise<void>;
  /** Moves the bytes at `from` to `to`. */
  move(from: string, to: string): Promise<void>;
}

/** A failure of the storage behind a resource, with the iRODS code the server reports for it. */
export class StorageError extends Error {
  readonly code = 'EMULATOR_STORAGE_FAILED';
  constructor(
    message: string,
    readonly irodsCode: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Files on this machine. The paths are the files' absolute paths. */
export class LocalStorage implements Storage {
  size(path: string): Promise<number | undefined> {
    try {
      const info = statSync(path);
      return Promise.resolve(info.isFile() ? info.size : undefined);
    } catch {
      return Promise.resolve(undefined);
    }
  }

  read(path: string, range?: ByteRange): Promise<AsyncIterable<Uint8Array>> {
    return Promise.resolve(createReadStream(path, range ?? {}));
  }

  async store(path: string, localFile: string): Promise<void> {
    await mkdir(dirname(path), { recursive: true });
    await copyFile(localFile, path);
  }

  async fetch(path: string, localFile: string): Promise<void> {
    await copyFile(path, localFile);
  }

  remove(path: string): Promise<void> {
    rmSync(path, { force: true });
    return Promise.resolve();
  }

  move(from: string, to: string): Promise<void> {
    if (!existsSync(from)) return Promise.resolve();
    mkdirSync(dirname(to), { recursive: true });
    renameSync(from, to);
    return Promise.resolve();
  }
}
