/**
 * What the scanner (and later the watcher) observes of one directory entry, and how entry paths
 * travel between the parts of the daemon.
 *
 * Paths relative to a job's source are kept as raw bytes (`Uint8Array`): Linux file names are
 * byte strings, and names that are not valid UTF-8 must survive the round trip to the file system
 * unchanged. Where a path has to travel as text (job payloads, Redis fields, logs), it is encoded
 * with `encodeRelPath`: valid UTF-8 stays readable as is, anything else becomes a tagged base64
 * form that cannot collide with a real name (it starts with a NUL, which no file name contains).
 */

export const ENTRY_TYPES = {
  file: 'file',
  dir: 'dir',
  symlink: 'symlink',
  socket: 'socket',
  fifo: 'fifo',
  char: 'char',
  block: 'block',
} as const;
export type EntryType = (typeof ENTRY_TYPES)[keyof typeof ENTRY_TYPES];

/** One entry as lstat (or stat, when symlinks are followed) saw it. */
export interface ObservedEntry {
  /** Path relative to the job's source, `/`-separated, no leading slash; empty for the root. */
  readonly relPath: Uint8Array;
  readonly type: EntryType;
  /** Bytes; 0 for anything but regular files. */
  readonly size: number;
  /** Modification time in nanoseconds since the epoch. */
  readonly mtimeNs: bigint;
  /** Status change time in nanoseconds (chmod and chown move it, data writes too). */
  readonly ctimeNs: bigint;
  readonly ino: bigint;
  readonly dev: bigint;
  /** Permission bits and file type, as st_mode. */
  readonly mode: number;
  /** Where a symbolic link points (raw bytes), for symlinks that are not followed. */
  readonly linkTarget?: Uint8Array;
  /** The owner, when the look that saw the entry kept it (a batch's; a scan's does not). */
  readonly uid?: number;
  readonly gid?: number;
}

/**
 * What a recorded state holds of an observed entry, with each 64-bit field as its unsigned
 * 32-bit halves: how a scan's entry codec carries them, read without making a BigInt.
 */
export interface StateFields {
  type: EntryType;
  size: number;
  mtimeHigh: number;
  mtimeLow: number;
  ctimeHigh: number;
  ctimeLow: number;
  inoHigh: number;
  inoLow: number;
}

// ignoreBOM: a name may begin with U+FEFF, and dropping it would name another file.
const fatal = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const encoder = new TextEncoder();
const TAG = '\u0000b64:';
/** Longest path the ASCII fast path takes: its bytes go to fromCharCode as arguments. */
const ASCII_FAST_PATH_MAX = 1024;

/** The UTF-8 text of `bytes`, or undefined when they are not valid UTF-8. */
export function utf8OrUndefined(bytes: Uint8Array): string | undefined {
  try {
    return fatal.decode(bytes);
  } catch {
    return undefined;
  }
}

/**
 * Text form of a relative path; `decodeRelPath` gives the same bytes back. A path that is text
 * but begins as the tagged form does (an S3 key's escaped element may: a NUL, then `b64:`, see
 * s3-keys.ts) is tagged too, or it would be decoded as base64.
 */
export function encodeRelPath(bytes: Uint8Array): string {
  const text = asciiOrUndefined(bytes) ?? utf8OrUndefined(bytes);
  return text === undefined || text.startsWith(TAG) ? TAG + base64(bytes) : text;
}

/**
 * How the text paths (encodeRelPath) of the children of the directory whose text path is
 * `dirText` begin: a child whose name is valid UTF-8 without a NUL has this followed by its name.
 * Undefined for a directory whose own path is tagged, as every path below it is.
 */
export function childPathPrefix(dirText: string): string | undefined {
  if (dirText.startsWith(TAG)) return undefined;
  return dirText === '' ? '' : `${dirText}/`;
}

export function decodeRelPath(text: string): Uint8Array {
  return text.startsWith(TAG) ? fromBase64(text.slice(TAG.length)) : encoder.encode(text);
}

/** A readable form for logs and messages: invalid bytes shown as \xHH. */
export function displayRelPath(bytes: Uint8Array): string {
  const text = utf8OrUndefined(bytes);
  if (text !== undefined) return text;
  let out = '';
  for (const byte of bytes) {
    out += byte >= 0x20 && byte < 0x7f ? String.fromCharCode(byte) : `\\x${hex(byte)}`;
  }
  return out;
}

/** `dir` + `/` + `name` for relative paths (the root is the empty path). */
export function joinRelPath(dir: Uint8Array, name: Uint8Array): Uint8Array {
  if (dir.length === 0) return name;
  const out = new Uint8Array(dir.length + 1 + name.length);
  out.set(dir, 0);
  out[dir.length] = 0x2f;
  out.set(name, dir.length + 1);
  return out;
}

/**
 * The text of `bytes` when they are all ASCII, as nearly every path is, or undefined. A scan
 * encodes every path it sees, and for paths this short the loop costs less than the decoder call.
 */
function asciiOrUndefined(bytes: Uint8Array): string | undefined {
  if (bytes.length > ASCII_FAST_PATH_MAX) return undefined;
  for (let i = 0; i < bytes.length; i++) {
    if (bytes[i]! >= 0x80) return undefined;
  }
  return String.fromCharCode.apply(null, bytes as unknown as number[]);
}

function hex(byte: number): string {
  return byte.toString(16).padStart(2, '0');
}

function base64(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}

function fromBase64(text: string): Uint8Array {
  const binary = atob(text);
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}
