/**
 * Compact text form of a RecordedState, stored as a hash value: a type letter followed by size,
 * mtime (ns), inode and, when known, ctime (ns) in base 36, comma separated
 * (`f1z4,l5x0n3vmzk0w,8c1`). Base 36 keeps a typical value near 25 bytes (40 with ctime) and any
 * value under 64 bytes, Redis' listpack value limit, so directory hashes stay compact.
 *
 * Letters: `f` a file, `d` a directory, `p` a provisional file (layout version 2, schema.ts):
 * its first upload or registration began and was not confirmed yet.
 */
import type { RecordedState } from '../core/decide.js';
import { StateCorruptError } from './errors.js';

const TYPE_LETTERS = { file: 'f', dir: 'd' } as const;
const PROVISIONAL_LETTER = 'p';

export function packState(state: RecordedState): string {
  const letter = state.provisional === true ? PROVISIONAL_LETTER : TYPE_LETTERS[state.type];
  const packed =
    letter + `${state.size.toString(36)},${state.mtimeNs.toString(36)},${state.ino.toString(36)}`;
  return state.ctimeNs === undefined ? packed : `${packed},${state.ctimeNs.toString(36)}`;
}

export function unpackState(packed: string): RecordedState {
  const letter = packed[0];
  const provisional = letter === PROVISIONAL_LETTER;
  const type = letter === 'f' || provisional ? 'file' : letter === 'd' ? 'dir' : undefined;
  const parts = packed.slice(1).split(',');
  if (type === undefined || parts.length < 3 || parts.length > 4) {
    throw new StateCorruptError(packed);
  }
  const [size, mtime, ino, ctime] = parts as [string, string, string, string?];
  const state: RecordedState = {
    type,
    size: parseInt(size, 36),
    mtimeNs: base36BigInt(mtime),
    ino: base36BigInt(ino),
  };
  if (ctime !== undefined) state.ctimeNs = base36BigInt(ctime);
  if (provisional) state.provisional = true;
  return state;
}

/** 36^n for the chunk lengths base36BigInt folds with (1 to 10 digits). */
const POWERS_OF_36 = Array.from({ length: 11 }, (_, n) => 36n ** BigInt(n));

/**
 * BigInt has no radix parser: fold the digits 10 at a time (36^10 < 2^53, exact in parseInt).
 * A comparison unpacks every recorded state of a directory, so this runs a lot: the common
 * value that fits 10 digits takes no BigInt arithmetic at all.
 */
function base36BigInt(text: string): bigint {
  const negative = text.startsWith('-');
  const digits = negative ? text.slice(1) : text;
  let value: bigint;
  if (digits.length <= 10) {
    value = BigInt(parseInt(digits, 36));
  } else {
    value = 0n;
    for (let i = 0; i < digits.length; i += 10) {
      const chunk = digits.slice(i, i + 10);
      value = value * POWERS_OF_36[chunk.length]! + BigInt(parseInt(chunk, 36));
    }
  }
  return negative ? -value : value;
}

/** Splits a relative path into its directory (empty for the root) and its last element. */
export function splitRelPath(relPath: Uint8Array): { dir: Uint8Array; name: Uint8Array } {
  const slash = relPath.lastIndexOf(0x2f);
  if (slash < 0) return { dir: relPath.subarray(0, 0), name: relPath };
  return { dir: relPath.subarray(0, slash), name: relPath.subarray(slash + 1) };
}
