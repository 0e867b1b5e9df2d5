/**
 * A pass's listing with the recorded children of each directory it lists, read ahead of the
 * comparison: the listing, the reads and the comparison overlap, and the directories listed
 * ahead are read a group per round trip (FileStateStore.packedChildren).
 */
import { encodeRelPath } from '../core/entry.js';
import type { DirectoryChunk } from '../sources/index.js';
import { PageChannel } from '../sources/page-channel.js';
import type { FileStateStore, RecordedChildren } from '../state/index.js';

/**
 * Directories read per round trip once listed ahead. Read as each arrived, they cost about a
 * round trip each (750 for the 1,010 directories of the benchmark tree: a read answers before
 * the listing delivers the next directory), and each round trip wakes Redis and the daemon on
 * cores the scan threads need: a no-change rescan's limit.
 */
const READ_GROUP = 8;

/**
 * Chunks listed ahead of the comparison: room for one group being read while the next is
 * gathered. Waiting for a whole group before reading, with nothing listed beyond it (as this did
 * first), left the scan thread, Redis and the comparison taking turns.
 */
const READ_AHEAD = 2 * READ_GROUP;

/**
 * How long the comparison waits for a group to fill before it reads the next directory anyway.
 * A rescan's comparison outruns its listing, so reading whatever it reached at once cost a round
 * trip per directory again; a listing that stalls (a slow mount) must not hold up the
 * comparison of what it did list.
 */
const READ_WAIT_MS = 20;

/** A chunk of the listing, with its directory's recorded children when it begins a directory. */
export interface ListedChunk {
  readonly chunk: DirectoryChunk;
  /** The text form of its directory. */
  readonly dirText: string;
  readonly recorded?: RecordedChildren;
}

/** One directory's read: sent with its group, or sooner when the comparison reaches it. */
interface ChildrenRead {
  readonly children: Promise<RecordedChildren>;
  sent: boolean;
}

interface Ahead {
  readonly chunk: DirectoryChunk;
  readonly dirText: string;
  readonly read: ChildrenRead | undefined;
}

/** A read waiting for its group, with what settles its promise once the group is sent. */
interface UnsentRead {
  readonly dir: Uint8Array;
  readonly read: ChildrenRead;
  readonly resolve: (children: Promise<RecordedChildren>) => void;
}

/** Reads of recorded children, sent READ_GROUP at a time or when one is needed now. */
class GroupedReads {
  readonly #states: FileStateStore;
  #unsent: UnsentRead[] = [];
  #timer: NodeJS.Timeout | undefined;

  constructor(states: FileStateStore) {
    this.#states = states;
  }

  add(dir: Uint8Array): ChildrenRead {
    let resolve!: (children: Promise<RecordedChildren>) => void;
    const promise = new Promise<RecordedChildren>((settle) => (resolve = settle));
    // Awaited in order by the consumer; one that stopped first leaves it unheard.
    promise.catch(() => undefined);
    const read = { children: promise, sent: false };
    this.#unsent.push({ dir, read, resolve });
    if (this.#unsent.length >= READ_GROUP) this.send();
    return read;
  }

  /** Sends the reads not sent yet within `ms`, unless their group fills sooner. */
  sendWithin(ms: number): void {
    this.#timer ??= setTimeout(() => this.send(), ms);
  }

  /** Forgets the reads not sent yet: nobody waits for them any more. */
  drop(): void {
    this.#takeUnsent();
  }

  /** Sends the reads not sent yet, in one round trip. */
  send(): void {
    const group = this.#takeUnsent();
    if (group.length === 0) return;
    const all = this.#states.packedChildren(group.map(({ dir }) => dir));
    group.forEach(({ read, resolve }, i) => {
      read.sent = true;
      resolve(all.then((children) => children[i]!));
    });
  }

  /** The reads not sent yet, which are then no longer this one's, and no timer for them. */
  #takeUnsent(): UnsentRead[] {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const unsent = this.#unsent;
    this.#unsent = [];
    return unsent;
  }
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
  const reads = new GroupedReads(states);
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
        const read = dirText === previous ? undefined : reads.add(chunk.dir);
        previous = dirText;
        await ahead.push({ chunk, dirText, read });
      }
    } catch (error) {
      failed = { error };
    } finally {
      // What was listed is read now, however short its group; unless the consumer stopped.
      if (!stopping) reads.send();
      ahead.close();
    }
  })();
  try {
    for (let item = await ahead.take(); item !== undefined; item = await ahead.take()) {
      const { chunk, dirText, read } = item;
      if (read === undefined) {
        yield { chunk, dirText };
        continue;
      }
      if (!read.sent) reads.sendWithin(READ_WAIT_MS);
      yield { chunk, dirText, recorded: await read.children };
    }
    if (failed !== undefined) throw failed.error;
  } finally {
    // A consumer that stops early ends the listing (its scan thread is handed back).
    stopping = true;
    ahead.close();
    await listing;
    reads.drop();
    await iterator.return?.();
  }
}
