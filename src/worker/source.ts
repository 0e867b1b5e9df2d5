/** What the worker reads from a source file itself: its stat and SHA-256 digests of its bytes. */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { lstat, stat } from 'node:fs/promises';
import { sha2Checksum } from '../core/checksum.js';
import type { RecordedState } from '../core/decide.js';
import { isGoneError } from '../core/gone.js';

/** The facts of a file that decide whether it changed (the same ones the state store keeps). */
export interface SourceStat {
  size: number;
  mtimeNs: bigint;
  ctimeNs: bigint;
  ino: bigint;
}

/**
 * The file's current stat, or undefined when it is gone or no longer a regular file (a race with
 * the source, not an error: the next scan sees what is there now). Symlinks are followed only
 * when the job follows them, as the scanner did.
 */
export async function statSource(
  path: string | Buffer,
  followSymlinks: boolean,
): Promise<SourceStat | undefined> {
  let info;
  try {
    info = followSymlinks
      ? await stat(path, { bigint: true })
      : await lstat(path, { bigint: true });
  } catch (error) {
    if (isGoneError(error)) return undefined;
    throw error;
  }
  if (!info.isFile()) return undefined;
  return { size: Number(info.size), mtimeNs: info.mtimeNs, ctimeNs: info.ctimeNs, ino: info.ino };
}

/** What differs between two stats, in words, or undefined when nothing does. */
export function statDifference(
  before: SourceStat,
  after: SourceStat | undefined,
): string | undefined {
  if (after === undefined) return 'it disappeared';
  if (after.ino !== before.ino) return 'it was replaced by another file';
  if (after.size !== before.size) return `its size went from ${before.size} to ${after.size} bytes`;
  if (after.mtimeNs !== before.mtimeNs) return 'its modification time moved';
  return undefined;
}

export function recordedFile(stat: SourceStat): RecordedState {
  return {
    type: 'file',
    size: stat.size,
    mtimeNs: stat.mtimeNs,
    ino: stat.ino,
    ctimeNs: stat.ctimeNs,
  };
}

/** Whole seconds of a nanosecond time, as iRODS keeps mtimes (§7.4). */
export function secondsOf(ns: bigint): number {
  return Number(ns / 1_000_000_000n);
}

/**
 * `sha2:` + base64 SHA-256 of the file's first `length` bytes (all of it when absent), in the form
 * iRODS answers. Throws when the file holds fewer bytes than asked for: it shrank.
 */
export async function localSha2(path: string | Buffer, length?: number): Promise<string> {
  const hash = createHash('sha256');
  let read = 0;
  if (length !== 0) {
    const stream = createReadStream(path, length === undefined ? {} : { end: length - 1 });
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      hash.update(chunk);
      read += chunk.length;
    }
  }
  if (length !== undefined && read < length) {
    throw new RangeError(`${String(path)} holds ${read} bytes, fewer than the ${length} to hash`);
  }
  return sha2Checksum(hash.digest('base64'));
}
