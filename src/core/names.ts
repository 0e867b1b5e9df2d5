/**
 * Where a source entry lands in iRODS: the job's target plus the entry's relative path, element
 * by element. An element iRODS can hold is kept byte for byte (spaces, quotes, `#`, `%`, `+`,
 * tabs, CR/LF, any script). Any other element is mapped reversibly:
 *
 * - not valid UTF-8, containing NUL, empty, `.` or `..` (S3 keys can have the last four), longer
 *   than an iRODS name element, or making the logical path longer than iRODS allows
 *   → `irods_ingest_<base64url of its bytes>`, or `irods_ingest_sha256_<hex digest of its bytes>`
 *   when that would be too long itself;
 * - a real name that looks like one of those forms is mapped too, so that no two source paths can
 *   land on the same logical path.
 *
 * Whether an element is mapped depends only on the element and the length of the mapped path
 * above it, so a directory's logical path is always the prefix of its children's. A mapped path
 * gets the AVU `irods::ingest::original_name` = base64 of the whole original relative path, as
 * upstream's `irods::automated_ingest::character_map`; digest forms can only be reversed with it.
 * For an S3 source the AVU holds the object's key relative to the job's prefix (core/s3-keys.ts).
 */
import { IngestError } from '../errors.js';
import { displayRelPath, utf8OrUndefined } from './entry.js';
import { originalBytes } from './s3-keys.js';

export const ORIGINAL_NAME_ATTRIBUTE = 'irods::ingest::original_name';

/** irods-http-api.md §7.1, USER_PATH_EXCEEDS_MAX beyond it. */
export const MAX_LOGICAL_PATH_BYTES = 1087;

/** A vault file is named after its element, and Linux names hold at most 255 bytes. */
export const MAX_NAME_ELEMENT_BYTES = 255;

const MAPPED_PREFIX = 'irods_ingest_';
const DIGEST_TAG = 'sha256_';
/** The shape of every mapped element (base64url and hex digits are both in this alphabet). */
const MAPPED_SHAPE = /^irods_ingest_[A-Za-z0-9_-]*$/;
const SLASH = 0x2f;

export interface MappedPath {
  logicalPath: string;
  /** True when at least one element was mapped: the object needs the original-name AVU. */
  mapped: boolean;
  /** Base64 of the original relative path bytes, the AVU value; only when mapped. */
  originalB64?: string;
}

/** Even with every element it may shorten shortened, the path is too long for iRODS. */
export class UnmappablePathError extends IngestError {
  readonly relPath: Uint8Array;
  readonly target: string;

  constructor(relPath: Uint8Array, target: string) {
    super(
      'UNMAPPABLE_PATH',
      `cannot place "${displayRelPath(relPath)}" under ${target}: its logical path would be ` +
        `longer than iRODS's ${MAX_LOGICAL_PATH_BYTES} bytes even with shortened names`,
    );
    this.relPath = relPath;
    this.target = target;
  }
}

const encoder = new TextEncoder();

/**
 * Hex SHA-256 of some bytes. Passed in by the caller (node:crypto in the daemon) because
 * src/core/ does no I/O and imports no Node module.
 */
export type Sha256Hex = (bytes: Uint8Array) => string;

/**
 * The logical path of `relPath` (relative to the job's source, `/`-separated, empty for the
 * root) under `target` (an absolute collection path without a trailing slash). `sha256Hex` names
 * elements too long even for the base64url form. Throws UnmappablePathError when no mapping fits
 * within iRODS's path limit.
 */
export function mapRelPath(relPath: Uint8Array, target: string, sha256Hex: Sha256Hex): MappedPath {
  let logicalPath = target;
  let length = encoder.encode(target).length;
  if (length > MAX_LOGICAL_PATH_BYTES) throw new UnmappablePathError(relPath, target);
  if (relPath.length === 0) return { logicalPath, mapped: false };
  let mapped = false;
  for (const element of splitElements(relPath)) {
    const room = MAX_LOGICAL_PATH_BYTES - length - 1;
    const name = elementName(element, room, sha256Hex);
    if (name === undefined) throw new UnmappablePathError(relPath, target);
    logicalPath += `/${name.text}`;
    length += 1 + name.bytes;
    mapped ||= name.mapped;
  }
  if (!mapped) return { logicalPath, mapped };
  return { logicalPath, mapped, originalB64: toBase64(originalBytes(relPath)) };
}

/**
 * The relative path `logicalPath` came from. With the original-name AVU value the answer is
 * exact; without it, a digest-shortened element cannot be reversed (undefined), and a path not
 * under `target` has no answer either.
 */
export function unmapLogicalPath(
  logicalPath: string,
  target: string,
  originalB64?: string,
): Uint8Array | undefined {
  if (originalB64 !== undefined) return fromBase64(originalB64);
  if (logicalPath === target) return new Uint8Array(0);
  if (!logicalPath.startsWith(`${target}/`)) return undefined;
  const parts: Uint8Array[] = [];
  for (const name of logicalPath.slice(target.length + 1).split('/')) {
    const element = unmapElement(name);
    if (element === undefined) return undefined;
    parts.push(element);
  }
  return joinElements(parts);
}

interface ElementName {
  text: string;
  /** UTF-8 length of `text`. */
  bytes: number;
  mapped: boolean;
}

/** The first form of `element` that iRODS can hold within `room` bytes, or undefined. */
function elementName(
  element: Uint8Array,
  room: number,
  sha256Hex: Sha256Hex,
): ElementName | undefined {
  const limit = Math.min(room, MAX_NAME_ELEMENT_BYTES);
  const kept = keepableText(element);
  if (kept !== undefined && element.length <= limit) {
    return { text: kept, bytes: element.length, mapped: false };
  }
  const encoded = toBase64Url(element);
  // A base64url form starting like a digest form could collide with one; it takes the digest.
  if (!encoded.startsWith(DIGEST_TAG)) {
    const text = MAPPED_PREFIX + encoded;
    if (text.length <= limit) return { text, bytes: text.length, mapped: true };
  }
  const digest = `${MAPPED_PREFIX}${DIGEST_TAG}${sha256Hex(element)}`;
  if (digest.length <= limit) return { text: digest, bytes: digest.length, mapped: true };
  return undefined;
}

/** The element as text when iRODS can hold it as it is. */
function keepableText(element: Uint8Array): string | undefined {
  const text = utf8OrUndefined(element);
  if (text === undefined || text === '' || text === '.' || text === '..') return undefined;
  if (text.includes('\0') || MAPPED_SHAPE.test(text)) return undefined;
  return text;
}

function unmapElement(name: string): Uint8Array | undefined {
  if (!MAPPED_SHAPE.test(name)) return encoder.encode(name);
  const encoded = name.slice(MAPPED_PREFIX.length);
  if (encoded.startsWith(DIGEST_TAG)) return undefined;
  return fromBase64Url(encoded);
}

function splitElements(relPath: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  let start = 0;
  for (let i = 0; i <= relPath.length; i++) {
    if (i === relPath.length || relPath[i] === SLASH) {
      out.push(relPath.subarray(start, i));
      start = i + 1;
    }
  }
  return out;
}

/** `parts` joined with `/`; there is always at least one part. */
function joinElements(parts: readonly Uint8Array[]): Uint8Array {
  const total = parts.reduce((sum, part) => sum + part.length, 0) + parts.length - 1;
  const out = new Uint8Array(total);
  let offset = 0;
  for (const [index, part] of parts.entries()) {
    if (index > 0) out[offset++] = SLASH;
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

function toBase64(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}

function toBase64Url(bytes: Uint8Array): string {
  return toBase64(bytes).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function fromBase64(text: string): Uint8Array | undefined {
  let binary: string;
  try {
    binary = atob(text);
  } catch {
    return undefined;
  }
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}

function fromBase64Url(text: string): Uint8Array | undefined {
  if (text.length % 4 === 1) return undefined;
  const padded = text.padEnd(text.length + ((4 - (text.length % 4)) % 4), '=');
  return fromBase64(padded.replace(/-/g, '+').replace(/_/g, '/'));
}
