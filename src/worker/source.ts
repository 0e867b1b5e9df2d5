/** What the worker reads from a source file itself: its stat and digests of its bytes. */
import { createHash } from 'node:crypto';
import { close, open, read } from 'node:fs';
import { lstat, stat } from 'node:fs/promises';
import { promisify } from 'node:util';
import { irodsChecksumOf, type ChecksumScheme } from '../core/checksum.js';
import type { ObservedEntry } from '../core/entry.js';
import type { RecordedState } from '../core/decide.js';
import { isGoneError } from '../core/gone.js';
import type { FileFacts, ReadProgress, SourceFiles } from '../sources/index.js';

/** The facts of a file that decide whether it changed (the same ones the state store keeps). */
export type SourceStat = FileFacts;

/**
 * The file's current stat, or undefined when it is gone or no longer a regular file (a race with
 * the source, not an error: the next scan sees what is there now). Symlinks are followed only
 * when the job follows them, as the scanner did.
 */
async function statSource(
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

/**
 * The file's current stat, from `files` when the source is not a local directory (S3), else
 * from the disk (statSource).
 */
export function statEntry(
  files: SourceFiles | undefined,
  path: string | Buffer,
  followSymlinks: boolean,
): Promise<SourceStat | undefined> {
  return files === undefined ? statSource(path, followSymlinks) : files.stat(path);
}

/** localChecksum, or its counterpart of a source that is not a local directory. */
export function entryChecksum(
  files: SourceFiles | undefined,
  path: string | Buffer,
  scheme: ChecksumScheme,
  options: { length?: number | undefined; progress?: ReadProgress | undefined } = {},
): Promise<string> {
  return files === undefined
    ? localChecksum(path, scheme, options)
    : files.checksum(path, scheme, options);
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
  // A write with the mtime put back (touch -r, cp -p, tar x) shows only here.
  if (after.ctimeNs !== before.ctimeNs) return 'its status change time moved';
  return undefined;
}

/** `entry` as `stat` describes it now: what an action is decided on. */
export function observedAs(entry: ObservedEntry, stat: SourceStat): ObservedEntry {
  return { ...entry, size: stat.size, mtimeNs: stat.mtimeNs, ctimeNs: stat.ctimeNs, ino: stat.ino };
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

/** Bytes read per call while hashing: large enough that the calls cost little per byte. */
const READ_BYTES = 1024 * 1024;
/** How many bytes of hashing pass between two progress calls. */
const PROGRESS_BYTES = 64 * 1024 * 1024;

// The callback forms: for the many small reads of a content check they cost a fraction of what
// FileHandle's promises do (measured: about 4x the files per second on 4 KiB files).
const openFile = promisify(open);
const readFile = promisify(read);
const closeFile = promisify(close);

/**
 * The checksum under `scheme` of the file's first `length` bytes (all of it when absent), in the
 * form iRODS writes it, read in pieces (memory stays at one piece whatever the file's size).
 * Throws RangeError when the file holds fewer bytes than asked for: it shrank. To hash a whole
 * file of a known size, give that size and compare a stat taken afterwards: a file that grew
 * meanwhile shows there.
 */
export async function localChecksum(
  path: string | Buffer,
  scheme: ChecksumScheme,
  { length, progress }: { length?: number | undefined; progress?: ReadProgress | undefined } = {},
): Promise<string> {
  const hash = createHash(scheme);
  const want = length ?? Number.POSITIVE_INFINITY;
  let read = 0;
  if (want > 0) {
    const fd = await openFile(path, 'r');
    try {
      const buffer = Buffer.allocUnsafe(Math.min(READ_BYTES, want));
      let reported = 0;
      while (read < want) {
        const asked = Math.min(buffer.length, want - read);
        const { bytesRead } = await readFile(fd, buffer, 0, asked, read);
        if (bytesRead === 0) break;
        hash.update(buffer.subarray(0, bytesRead));
        read += bytesRead;
        if (progress !== undefined && read - reported >= PROGRESS_BYTES) {
          reported = read;
          await progress(read);
        }
      }
    } finally {
      await closeFile(fd);
    }
  }
  if (length !== undefined && read < length) {
    throw new RangeError(`${String(path)} holds ${read} bytes, fewer than the ${length} to hash`);
  }
  return irodsChecksumOf(scheme, hash.digest());
}
