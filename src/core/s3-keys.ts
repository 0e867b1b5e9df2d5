/**
 * Where an S3 object lands, as a relative path of the job's source: the key minus the job's
 * prefix, split on `/`. A key's elements can be anything S3 holds, also what a path must not
 * have: an empty element (`a//b`, a leading `/`, a trailing `/`), `.` and `..`. Such an element
 * is escaped with a leading NUL, which no real element can start with unescaped (an element that
 * does is escaped too), so the relative path is a plain tree path whose elements are never empty,
 * `.` or `..`, and the key comes back from it exactly. A NUL is nothing iRODS can hold, so
 * core/names.ts maps every escaped element reversibly, and nothing lands outside the target.
 *
 * The same escape keeps an object apart from a "directory" of the same name: S3 may hold the key
 * `a` and keys below `a/` at once, where iRODS holds one thing per path. The object keeps `a`;
 * the directory becomes the escaped `\0a`.
 */

/** The `s3://bucket/prefix` of a job: the bucket, and the key prefix its keys are listed under. */
export interface S3Address {
  readonly bucket: string;
  /** `""` for the whole bucket, else the prefix with one trailing `/` ("run/2024/"). */
  readonly keyPrefix: string;
}

const ESCAPE = '\0';
const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { ignoreBOM: true });
const SLASH = 0x2f;

export function isS3Source(source: string): boolean {
  return source.startsWith('s3://');
}

/** The bucket and key prefix of an `s3://bucket[/prefix]` source (validated by the config). */
export function s3AddressOf(source: string): S3Address {
  const rest = source.slice('s3://'.length);
  const slash = rest.indexOf('/');
  if (slash < 0) return { bucket: rest, keyPrefix: '' };
  const prefix = rest.slice(slash + 1).replace(/\/+$/, '');
  return { bucket: rest.slice(0, slash), keyPrefix: prefix === '' ? '' : `${prefix}/` };
}

/** Whether `element` must be escaped to be a path element. */
function needsEscape(element: string): boolean {
  return element === '' || element === '.' || element === '..' || element.startsWith(ESCAPE);
}

/**
 * The path element of a key element. `forced` escapes a plain element too: a directory whose
 * name is also an object's.
 */
export function escapeElement(element: string, forced = false): string {
  return forced || needsEscape(element) ? ESCAPE + element : element;
}

/** The key element a path element stands for. */
function unescapeElement(element: string): string {
  return element.startsWith(ESCAPE) ? element.slice(1) : element;
}

/** Whether a path element is the forced escape of a plain name (a directory, see above). */
function isForcedEscape(element: string): boolean {
  return element.startsWith(ESCAPE) && !needsEscape(element.slice(1));
}

/** The relative path (bytes) of the key `relativeKey` (the key minus the job's prefix). */
export function relPathOfKey(relativeKey: string): Uint8Array {
  return encoder.encode(
    relativeKey
      .split('/')
      .map((element) => escapeElement(element))
      .join('/'),
  );
}

/** The key, relative to the job's prefix, that the relative path `relPath` stands for. */
export function keyOfRelPath(relPath: Uint8Array): string {
  return decoder.decode(relPath).split('/').map(unescapeElement).join('/');
}

/**
 * The bytes `relPath` stands for in its source: the relative key of an S3 path, the path itself
 * for a file system path (which never holds a NUL, so nothing is unescaped).
 */
export function originalBytes(relPath: Uint8Array): Uint8Array {
  if (!relPath.includes(0)) return relPath;
  const out: number[] = [];
  let elementStart = true;
  for (const byte of relPath) {
    if (elementStart && byte === 0) {
      elementStart = false;
      continue;
    }
    elementStart = byte === SLASH;
    out.push(byte);
  }
  return Uint8Array.from(out);
}

/** The object key of `relPath` in the job's bucket. */
function objectKeyOf(address: S3Address, relPath: Uint8Array): string {
  return address.keyPrefix + keyOfRelPath(relPath);
}

/**
 * The physical path of an object as iRODS's S3 resource plugin names it (`/bucket/key`): what a
 * registration records, and what the daemon's workers are handed as the entry's source path.
 */
export function physicalPathOf(address: S3Address, relPath: Uint8Array): string {
  return `/${address.bucket}/${objectKeyOf(address, relPath)}`;
}

/**
 * The source path of the entry at `relPath` of an `s3://` source: its physical path, with a
 * trailing `/` when it is a directory named like an object (a forced escape), so that a look at
 * it asks for the directory, not the object.
 */
export function s3SourcePath(source: string, relPath: Uint8Array): string {
  const path = physicalPathOf(s3AddressOf(source), relPath);
  const last = decoder.decode(relPath.subarray(relPath.lastIndexOf(SLASH) + 1));
  return isForcedEscape(last) ? `${path}/` : path;
}

/** The bucket and key of a physical path made by physicalPathOf. */
export function splitPhysicalPath(path: string): { bucket: string; key: string } {
  const slash = path.indexOf('/', 1);
  return { bucket: path.slice(1, slash), key: path.slice(slash + 1) };
}

/**
 * A 63-bit fingerprint of an ETag (FNV-1a), kept in a recorded state where a file keeps its
 * inode: an object whose ETag changed was replaced. Quotes around the ETag do not count.
 */
export function etagFingerprint(etag: string): bigint {
  const text = etag.replace(/^"|"$/g, '');
  let hash = 0xcbf29ce484222325n;
  for (const byte of encoder.encode(text)) {
    hash ^= BigInt(byte);
    hash = (hash * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return hash & 0x7fffffffffffffffn;
}

/**
 * An object's LastModified as the nanoseconds a recorded state keeps, in whole seconds: S3
 * listings and HEADs give seconds, but a store whose listing had milliseconds and its HEAD not
 * would make every object look changed at every pass (and iRODS keeps seconds anyway).
 */
export function lastModifiedNs(lastModified: Date): bigint {
  return BigInt(Math.floor(lastModified.getTime() / 1000)) * 1_000_000_000n;
}
