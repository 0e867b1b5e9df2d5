/**
 * A directory's recorded children as Redis holds them, packed (pack.ts): a state is unpacked
 * only when asked for, and an observation is compared with it packed. Unpacking every recorded
 * state (its times and inode parsed into BigInts) cost a no-change rescan a third of its main
 * thread, to learn that nearly all of them equal what the scan saw.
 */
import { isAscii } from 'node:buffer';
import type { RecordedByName, RecordedState } from '../core/decide.js';
import { encodeRelPath, type StateFields } from '../core/entry.js';
import { packedEquals, packState, unpackState } from './pack.js';

/** Joins names and values in a CHILDREN answer: no name holds it (see dir-scripts.ts). */
const SLASH = 0x2f;

export class RecordedChildren implements RecordedByName {
  /** Packed states by encodeRelPath of the child's name. */
  readonly #packed: ReadonlyMap<string, string>;

  constructor(packed: ReadonlyMap<string, string>) {
    this.#packed = packed;
  }

  keys(): IterableIterator<string> {
    return this.#packed.keys();
  }

  /** The state recorded for `name` as stored (pack.ts), or undefined. */
  packedOf(name: string): string | undefined {
    return this.#packed.get(name);
  }

  get(name: string): RecordedState | undefined {
    const packed = this.#packed.get(name);
    return packed === undefined ? undefined : unpackState(packed);
  }

  /** Whether `name` is recorded with exactly `state`: every field equal, the type's letter too. */
  holds(name: string, state: RecordedState): boolean {
    const packed = this.#packed.get(name);
    return packed !== undefined && packed === packState(state);
  }

  /**
   * holds() for an observation's fields, without packing them (pack.ts: packedEquals); false
   * also where that cannot tell, which holds() then does.
   */
  holdsFields(name: string, fields: StateFields): boolean {
    const packed = this.#packed.get(name);
    return packed !== undefined && packedEquals(packed, fields);
  }
}

/**
 * A directory's children as the CHILDREN script returns them (dir-scripts.ts): pieces of names
 * and packed states joined by `/`, which neither holds. Keyed by encodeRelPath of each name; a
 * piece of plain ASCII names, nearly every one, is split as one string. Added to `children`: a
 * large directory comes in several calls.
 */
export function parseChildren(
  pieces: readonly Buffer[],
  children = new Map<string, string>(),
): Map<string, string> {
  for (const piece of pieces) addPiece(children, piece);
  return children;
}

function addPiece(children: Map<string, string>, joined: Buffer): void {
  if (joined.length === 0) return;
  // A name with a NUL (an S3 key's escaped element) may need the tagged text form.
  if (isAscii(joined) && !joined.includes(0)) {
    const parts = joined.toString('latin1').split('/');
    for (let i = 0; i + 1 < parts.length; i += 2) children.set(parts[i]!, parts[i + 1]!);
    return;
  }
  for (let at = 0; at < joined.length;) {
    const nameEnd = endOf(joined, at);
    const valueEnd = endOf(joined, nameEnd + 1);
    children.set(
      encodeRelPath(joined.subarray(at, nameEnd)),
      joined.toString('latin1', nameEnd + 1, valueEnd),
    );
    at = valueEnd + 1;
  }
}

/** Where the part that starts at `from` ends: the next `/`, or the end. */
function endOf(joined: Buffer, from: number): number {
  const end = joined.indexOf(SLASH, from);
  return end < 0 ? joined.length : end;
}
