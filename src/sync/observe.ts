/**
 * A worker's own look at an entry when its batch runs: the queue carries names only, so the
 * action is decided on what is on disk now. Where the entry lives on this host is the job's
 * source plus the relative path bytes; a path that is not valid UTF-8 stays a Buffer.
 */
import { lstat, stat } from 'node:fs/promises';
import { utf8OrUndefined, type EntryType, type ObservedEntry } from '../core/entry.js';

export function sourcePathOf(source: string, relPath: Uint8Array): string | Buffer {
  if (relPath.length === 0) return source;
  const text = utf8OrUndefined(relPath);
  return text !== undefined
    ? `${source}/${text}`
    : Buffer.concat([Buffer.from(`${source}/`), relPath]);
}

/** The entry as it is now, or undefined when it is gone (the next complete scan deletes it). */
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
    if ((error as { code?: unknown }).code === 'ENOENT') return undefined;
    throw error;
  }
  const type: EntryType = info.isFile()
    ? 'file'
    : info.isDirectory()
      ? 'dir'
      : info.isSymbolicLink()
        ? 'symlink'
        : info.isSocket()
          ? 'socket'
          : info.isFIFO()
            ? 'fifo'
            : info.isCharacterDevice()
              ? 'char'
              : 'block';
  return {
    relPath,
    type,
    size: type === 'file' ? Number(info.size) : 0,
    mtimeNs: info.mtimeNs,
    ctimeNs: info.ctimeNs,
    ino: info.ino,
    dev: info.dev,
    mode: Number(info.mode),
  };
}
