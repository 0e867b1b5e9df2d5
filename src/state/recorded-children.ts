/**
 * A directory's recorded children as Redis holds them, packed (pack.ts): a state is unpacked
 * only when asked for, and an observation is compared with it packed. Unpacking every recorded
 * state (its times and inode parsed into BigInts) cost a no-change rescan a third of its main
 * thread, to learn that nearly all of them equal what the scan saw.
 */
import type { RecordedByName, RecordedState } from '../core/decide.js';
import { packState, unpackState } from './pack.js';

export class RecordedChildren implements RecordedByName {
  /** Packed states by encodeRelPath of the child's name. */
  readonly #packed: ReadonlyMap<string, string>;

  constructor(packed: ReadonlyMap<string, string>) {
    this.#packed = packed;
  }

  keys(): IterableIterator<string> {
    return this.#packed.keys();
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
}
