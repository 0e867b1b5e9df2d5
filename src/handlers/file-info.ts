/**
 * The entries of a job's source as handler code sees them (types.ts FileInfo, GoneEntry): text
 * paths instead of bytes, milliseconds instead of nanoseconds, "directory" instead of "dir".
 */
import { lstat, readlink, stat } from 'node:fs/promises';
import type { RecordedState } from '../core/decide.js';
import type { ObservedEntry } from '../core/entry.js';
import type { FileInfo, GoneEntry } from './types.js';

/** What describing an entry needs of its job. */
export interface SourceOf {
  readonly source: string;
  readonly follow_symlinks: boolean;
}

/** Text of a relative path; bytes that are not UTF-8 become U+FFFD. */
function textOf(relPath: Uint8Array): string {
  return Buffer.from(relPath.buffer, relPath.byteOffset, relPath.byteLength).toString('utf8');
}

function placed(source: string, relativePath: string) {
  const path =
    relativePath === ''
      ? source
      : source === '/'
        ? `/${relativePath}`
        : `${source}/${relativePath}`;
  return { path, relativePath, name: relativePath.slice(relativePath.lastIndexOf('/') + 1) };
}

/**
 * A file or directory of the source (entry.type "file" or "dir"). A scan's entries lack the
 * owner: it is looked up then, as is where a followed symbolic link points.
 */
export async function describeEntry(job: SourceOf, entry: ObservedEntry): Promise<FileInfo> {
  const where = placed(job.source, textOf(entry.relPath));
  let { uid, gid } = entry;
  if (uid === undefined || gid === undefined) {
    const info = job.follow_symlinks ? await stat(where.path) : await lstat(where.path);
    ({ uid, gid } = info);
  }
  const linkTarget = job.follow_symlinks ? await followedLink(where.path) : undefined;
  return {
    ...where,
    type: entry.type === 'dir' ? 'directory' : 'file',
    size: entry.size,
    mtimeMs: Number(entry.mtimeNs) / 1e6,
    mode: entry.mode,
    uid,
    gid,
    ...(linkTarget === undefined ? {} : { linkTarget }),
  };
}

async function followedLink(path: string): Promise<string | undefined> {
  const info = await lstat(path).catch(() => undefined);
  if (info?.isSymbolicLink() !== true) return undefined;
  return readlink(path).catch(() => undefined);
}

/** An entry that is gone from the source, as recorded. */
export function describeGone(source: string, relPath: Uint8Array, state: RecordedState): GoneEntry {
  return {
    gone: true,
    ...placed(source, textOf(relPath)),
    type: state.type === 'dir' ? 'directory' : 'file',
    size: state.size,
    mtimeMs: Number(state.mtimeNs) / 1e6,
  };
}
