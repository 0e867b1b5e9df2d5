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
import type { StateFields } from '../core/entry.js';
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

/**
 * Whether `packed` is what packState makes of an entry with `fields` (stateOf in
 * sync/pass-records.ts: a directory's size is 0 and its ctime left out), read digit by digit: a
 * rescan asks this of nearly every entry, and packing each observation (three BigInts to base 36)
 * cost it more than all else it did per entry. False also where it cannot tell cheaply (a
 * negative 64-bit field, a size of over ten digits): the caller packs then.
 */
export function packedEquals(packed: string, fields: StateFields): boolean {
  const letter = fields.type === 'file' ? 0x66 : fields.type === 'dir' ? 0x64 : -1;
  if (packed.charCodeAt(0) !== letter) return false;
  const sizeEnd = packed.indexOf(',', 1);
  // Ten digits or fewer are exact as a number (36^10 < 2^53).
  if (!asPacked(packed, 1, sizeEnd, 10)) return false;
  if (parseDigits(packed, 1, sizeEnd) !== fields.size) return false;
  const mtimeEnd = packed.indexOf(',', sizeEnd + 1);
  if (!fieldEquals(packed, sizeEnd + 1, mtimeEnd, fields.mtimeHigh, fields.mtimeLow)) return false;
  const inoEnd = packed.indexOf(',', mtimeEnd + 1);
  const inoTo = inoEnd < 0 ? packed.length : inoEnd;
  if (!fieldEquals(packed, mtimeEnd + 1, inoTo, fields.inoHigh, fields.inoLow)) return false;
  if (fields.type === 'dir') return inoEnd < 0;
  return (
    inoEnd >= 0 && fieldEquals(packed, inoEnd + 1, packed.length, fields.ctimeHigh, fields.ctimeLow)
  );
}

/** 36^6: six base-36 digits, below 2^32. */
const SIX_DIGITS = 36 ** 6;
/** Digits of the largest signed 64-bit value in base 36. */
const MAX_64_BIT_DIGITS = 13;

/**
 * Whether `packed` from `from` to `to` is the base-36 text of high * 2^32 + low, a value below
 * 2^63 (high, low unsigned 32-bit).
 */
function fieldEquals(packed: string, from: number, to: number, high: number, low: number): boolean {
  if (!asPacked(packed, from, to, MAX_64_BIT_DIGITS) || high >= 0x80000000) return false;
  const { quotient, rest } = splitSixDigits(high, low);
  const split = Math.max(from, to - 6);
  return (
    parseDigits(packed, split, to) === rest &&
    (split === from ? quotient === 0 : parseDigits(packed, from, split) === quotient)
  );
}

/** What packFields writes its value into before making it a string: room for the longest. */
const scratch = Buffer.alloc(64);
const DIGITS = Buffer.from('0123456789abcdefghijklmnopqrstuvwxyz', 'latin1');
const TWO_TO_32 = 2 ** 32;

/**
 * packState(stateOf(entry)) of an observed entry with `fields` (sync/pass-records.ts), made
 * without a BigInt: a first pass packs every entry it records. Written digit by digit into one
 * buffer, then made one string: the dozen strings of formatting each number on its own were
 * over a quarter of what a first pass allocated. Undefined for a negative 64-bit field (a time before
 * 1970), which the caller packs from the entry.
 */
export function packFields(fields: StateFields): string | undefined {
  const { type, mtimeHigh, inoHigh, ctimeHigh } = fields;
  if (mtimeHigh >= 0x80000000 || inoHigh >= 0x80000000 || ctimeHigh >= 0x80000000) {
    return undefined;
  }
  const dir = type === 'dir';
  scratch[0] = dir ? 0x64 : 0x66;
  const size = dir ? 0 : fields.size;
  let at = writeBase36(Math.floor(size / TWO_TO_32), size >>> 0, 1);
  scratch[at] = 0x2c;
  at = writeBase36(mtimeHigh, fields.mtimeLow, at + 1);
  scratch[at] = 0x2c;
  at = writeBase36(inoHigh, fields.inoLow, at + 1);
  if (!dir) {
    scratch[at] = 0x2c;
    at = writeBase36(ctimeHigh, fields.ctimeLow, at + 1);
  }
  return scratch.toString('latin1', 0, at);
}

/**
 * Writes high * 2^32 + low, a value below 2^63, at `at` as BigInt#toString(36) would, and
 * returns where it ends.
 */
function writeBase36(high: number, low: number, at: number): number {
  const { quotient, rest } = splitSixDigits(high, low);
  if (quotient === 0) return writeDigits(rest, 1, at);
  return writeDigits(rest, 6, writeDigits(quotient, 1, at));
}

/** Writes `value` (an integer below 2^53) in base 36, at least `least` digits, at `at`. */
function writeDigits(value: number, least: number, at: number): number {
  let digits = 1;
  for (let rest = value; rest >= 36; rest = Math.floor(rest / 36)) digits += 1;
  digits = Math.max(digits, least);
  let rest = value;
  for (let i = at + digits - 1; i >= at; i--) {
    scratch[i] = DIGITS[rest % 36]!;
    rest = Math.floor(rest / 36);
  }
  return at + digits;
}

/**
 * high * 2^32 + low (below 2^63) split at its last six base-36 digits, by long division in
 * 16-bit steps, so that every number stays an exact integer below 2^53.
 */
function splitSixDigits(high: number, low: number): { quotient: number; rest: number } {
  let rest = high >>> 16;
  const q3 = Math.floor(rest / SIX_DIGITS);
  rest = (rest - q3 * SIX_DIGITS) * 65536 + (high & 0xffff);
  const q2 = Math.floor(rest / SIX_DIGITS);
  rest = (rest - q2 * SIX_DIGITS) * 65536 + (low >>> 16);
  const q1 = Math.floor(rest / SIX_DIGITS);
  rest = (rest - q1 * SIX_DIGITS) * 65536 + (low & 0xffff);
  const q0 = Math.floor(rest / SIX_DIGITS);
  rest -= q0 * SIX_DIGITS;
  return { quotient: ((q3 * 65536 + q2) * 65536 + q1) * 65536 + q0, rest };
}

/**
 * Whether `packed` from `from` to `to` has the shape of a number packState writes, at most `most`
 * digits: some, and no leading zero.
 */
function asPacked(packed: string, from: number, to: number, most: number): boolean {
  const digits = to - from;
  return digits >= 1 && digits <= most && (digits === 1 || packed.charCodeAt(from) !== 0x30);
}

/** The value of the base-36 digits from `from` to `to`, or -1 when another character is there. */
function parseDigits(packed: string, from: number, to: number): number {
  let value = 0;
  for (let i = from; i < to; i++) {
    const code = packed.charCodeAt(i);
    const digit =
      code >= 0x30 && code <= 0x39 ? code - 0x30 : code >= 0x61 && code <= 0x7a ? code - 0x57 : -1;
    if (digit < 0) return -1;
    value = value * 36 + digit;
  }
  return value;
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
