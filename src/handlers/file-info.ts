/**
 * The entries of a job's source as handler code sees them (types.ts FileInfo, GoneEntry): text
 * paths instead of bytes, milliseconds instead of nanoseconds, "directory" instead of "dir". An
 * S3 source's entries are named by their keys (`s3://bucket/key`), with no owner (uid and gid 0).
 */
import { lstat, readlink, stat } from 'node:fs/promises';
import type { RecordedState } from '../core/decide.js';
import type { ObservedEntry } from '../core/entry.js';
import { isS3Source, keyOfRelPath, s3AddressOf } from '../core/s3-keys.js';
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

function placed(source: string, relPath: Uint8Array) {
  if (isS3Source(source)) {
    const relativePath = keyOfRelPath(relPath);
    const { bucket, keyPrefix } = s3AddressOf(source);
    const key = keyPrefix + relativePath;
    return { path: `s3://${bucket}/${key}`, relativePath, name: lastElement(relativePath), key };
  }
  const relativePath = textOf(relPath);
  const path =
    relativePath === ''
      ? source
      : source === '/'
        ? `/${relativePath}`
        : `${source}/${relativePath}`;
  return { path, relativePath, name: lastElement(relativePath) };
}

function lastElement(relativePath: string): string {
  return relativePath.slice(relativePath.lastIndexOf('/') + 1);
}

/**
 * A file or directory of the source (entry.type "file" or "dir"). A scan's entries lack the
 * owner: it is looked up then, as is where a followed symbolic link points.
 */
export async function describeEntry(job: SourceOf, entry: ObservedEntry): Promise<FileInfo> {
  const where = placed(job.source, entry.relPath);
  if (where.key !== undefined) return { ...where, ...facts(entry), uid: 0, gid: 0 };
  let { uid, gid } = entry;
  if (uid === undefined || gid === undefined) {
    const info = job.follow_symlinks ? await stat(where.path) : await lstat(where.path);
    ({ uid, gid } = info);
  }
  const linkTarget = job.follow_symlinks ? await followedLink(where.path) : undefined;
  return {
    ...where,
    ...facts(entry),
    uid,
    gid,
    ...(linkTarget === undefined ? {} : { linkTarget }),
  };
}

function facts(entry: ObservedEntry) {
  return {
    type: entry.type === 'dir' ? ('directory' as const) : ('file' as const),
    size: entry.size,
    mtimeMs: Number(entry.mtimeNs) / 1e6,
    mode: entry.mode,
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
    ...placed(source, relPath),
    type: state.type === 'dir' ? 'directory' : 'file',
    size: state.size,
    mtimeMs: Number(state.mtimeNs) / 1e6,
  };
}
