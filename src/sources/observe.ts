/**
 * A worker's own look at entries when their batch runs: the queue carries names only, so each
 * action is decided on what is on disk now. Where an entry lives on this host is the job's
 * source plus the relative path bytes; a path that is not valid UTF-8 stays a Buffer. An entry of
 * an S3 source lives at `/bucket/key` (core/s3-keys.ts).
 */
import { lstat, stat } from 'node:fs/promises';
import { utf8OrUndefined, type ObservedEntry } from '../core/entry.js';
import { isGoneError } from '../core/gone.js';
import { isS3Source, s3SourcePath } from '../core/s3-keys.js';
import { entryTypeOfMode, type StatFacts } from './stat-facts.js';

export function sourcePathOf(source: string, relPath: Uint8Array): string | Buffer {
  if (relPath.length === 0) return source;
  if (isS3Source(source)) return s3SourcePath(source, relPath);
  const text = utf8OrUndefined(relPath);
  return text !== undefined
    ? `${source}/${text}`
    : Buffer.concat([Buffer.from(`${source}/`), relPath]);
}

/** The entry at `relPath` as `info` describes it. */
export function entryOf(relPath: Uint8Array, info: StatFacts): ObservedEntry {
  const mode = Number(info.mode);
  const type = entryTypeOfMode(mode);
  return {
    relPath,
    type,
    size: type === 'file' ? Number(info.size) : 0,
    mtimeNs: info.mtimeNs,
    ctimeNs: info.ctimeNs,
    ino: info.ino,
    dev: info.dev,
    mode,
    ...(info.uid === undefined || info.gid === undefined
      ? {}
      : { uid: Number(info.uid), gid: Number(info.gid) }),
  };
}

/**
 * One entry as it is now, or undefined when it is gone (the next complete scan deletes it).
 * Batches look at all their entries at once through their job's stat thread instead.
 */
export async function observe(
  sourcePath: string | Buffer,
  relPath: Uint8Array,
  followSymlinks: boolean,
): Promise<ObservedEntry | undefined> {
  let info;
  try {
    info = followSymlinks
      ? await stat(sourcePath, { bigint: true })
      : await lstat(sourcePath, { bigint: true });
  } catch (error) {
    if (isGoneError(error)) return undefined;
    throw error;
  }
  return entryOf(relPath, info);
}
