/**
 * A pass's listing with the recorded children of each directory it lists, read ahead of the
 * comparison: the listing, the reads and the comparison overlap, and the reads of directories
 * listed meanwhile share a round trip (FileStateStore.recordedChildrenSoon).
 */
import { encodeRelPath } from '../core/entry.js';
import type { DirectoryChunk } from '../sources/index.js';
import { PageChannel } from '../sources/page-channel.js';
import type { FileStateStore, RecordedChildren } from '../state/index.js';

/**
 * Chunks listed ahead of the comparison. Waiting for a whole group of them before reading (as
 * this did first) left the scan thread, Redis and the comparison taking turns: a sixth of a
 * no-change rescan's speed.
 */
const READ_AHEAD = 8;

/** A chunk of the listing, with its directory's recorded children when it begins a directory. */
export interface ListedChunk {
  readonly chunk: DirectoryChunk;
  /** The text form of its directory. */
  readonly dirText: string;
  readonly recorded?: RecordedChildren;
}

interface Ahead {
  readonly chunk: DirectoryChunk;
  readonly dirText: string;
  readonly recorded: Promise<RecordedChildren> | undefined;
}

/**
 * The listing's chunks, each with the recorded children of the directory it begins (a
 * directory's chunks come one after the other). What another writer changes in a directory
 * between this read and its comparison is as if it changed after the comparison: the next pass
 * sees it. A failed listing ends with its error after the chunks listed before it.
 */
export async function* withRecorded(
  states: FileStateStore,
  chunks: AsyncIterable<DirectoryChunk>,
): AsyncGenerator<ListedChunk> {
  const iterator = chunks[Symbol.asyncIterator]();
  const ahead = new PageChannel<Ahead>(READ_AHEAD);
  let stopping = false;
  let failed: { error: unknown } | undefined;
  const listing = (async () => {
    let previous: string | undefined;
    try {
      while (!stopping) {
        const next = await iterator.next();
        if (next.done === true) break;
        const chunk = next.value;
        const dirText = encodeRelPath(chunk.dir);
        const recorded = dirText === previous ? undefined : states.recordedChildrenSoon(chunk.dir);
        // Awaited in order by the consumer; one that stopped first leaves it unheard.
        recorded?.catch(() => undefined);
        previous = dirText;
        await ahead.push({ chunk, dirText, recorded });
      }
    } catch (error) {
      failed = { error };
    } finally {
      ahead.close();
    }
  })();
  try {
    for (let item = await ahead.take(); item !== undefined; item = await ahead.take()) {
      const { chunk, dirText } = item;
      const recorded = await item.recorded;
      yield recorded === undefined ? { chunk, dirText } : { chunk, dirText, recorded };
    }
    if (failed !== undefined) throw failed.error;
  } finally {
    // A consumer that stops early ends the listing (its scan thread is handed back).
    stopping = true;
    ahead.close();
    await listing;
    await iterator.return?.();
  }
}
