/**
 * A pass's listing with the recorded children of each directory it lists, read for several
 * directories at once: one round trip per directory cost a no-change rescan of small
 * directories more than its comparisons.
 */
import type { RecordedState } from '../core/decide.js';
import { encodeRelPath } from '../core/entry.js';
import type { DirectoryChunk } from '../sources/index.js';
import type { FileStateStore } from '../state/index.js';

/** Chunks read ahead of the comparison, whose new directories' states come in one round trip. */
const READ_AHEAD = 8;

/** A chunk of the listing, with its directory's recorded children when it begins a directory. */
export interface ListedChunk {
  readonly chunk: DirectoryChunk;
  /** The text form of its directory. */
  readonly dirText: string;
  readonly recorded?: ReadonlyMap<string, RecordedState>;
}

/**
 * The listing's chunks, READ_AHEAD at a time, with the recorded children of the directories
 * they begin (a directory's chunks come one after the other). What another writer changes in a
 * directory between this read and its comparison is as if it changed after the comparison: the
 * next pass sees it.
 */
export async function* withRecorded(
  states: FileStateStore,
  chunks: AsyncIterable<DirectoryChunk>,
): AsyncGenerator<ListedChunk> {
  const iterator = chunks[Symbol.asyncIterator]();
  let previous: string | undefined;
  try {
    for (let ended = false; !ended;) {
      const group: { chunk: DirectoryChunk; dirText: string; begins: boolean }[] = [];
      while (group.length < READ_AHEAD) {
        const next = await iterator.next();
        if (next.done === true) {
          ended = true;
          break;
        }
        const dirText = encodeRelPath(next.value.dir);
        group.push({ chunk: next.value, dirText, begins: dirText !== previous });
        previous = dirText;
      }
      const beginning = group.filter(({ begins }) => begins);
      const recorded = await states.recordedChildrenOf(beginning.map(({ chunk }) => chunk.dir));
      const byChunk = new Map(beginning.map(({ chunk }, i) => [chunk, recorded[i]]));
      for (const { chunk, dirText } of group) {
        const children = byChunk.get(chunk);
        yield children === undefined ? { chunk, dirText } : { chunk, dirText, recorded: children };
      }
    }
  } finally {
    // A consumer that stops early ends the listing (its scan thread is handed back).
    await iterator.return?.();
  }
}
