/**
 * `scanTree`: the walk of a source directory, run in a worker thread (kept from scan to scan, see
 * scan-threads.ts) and consumed as an async iterable of directory chunks. The thread runs at most
 * `SCAN_WINDOW` chunks ahead of the consumer, so a slow consumer (say, one that waits for the
 * queue to drain) holds a scan of any size in bounded memory.
 */
import { on } from 'node:events';
import type { ObservedEntry } from '../core/entry.js';
import { PackedEntries } from './entry-codec.js';
import { ScanError } from './errors.js';
import {
  CONTROL,
  CONTROL_SLOTS,
  type ScanRequest,
  type ScanThreadMessage,
} from './scan-protocol.js';
import { scanThreads } from './scan-threads.js';
import type { DirectoryChunk, ScanOptions } from './types.js';
import type { PackedChunk } from './walk.js';

export const DEFAULT_CHUNK_SIZE = 1000;
/** Chunks the scan thread may have delivered beyond those the consumer has finished with. */
export const SCAN_WINDOW = 4;

/** Scans the tree under `root` (an absolute path); iterate the result once. */
export function scanTree(root: string, options: ScanOptions): TreeScan {
  return new TreeScan(root, options);
}

export class TreeScan implements AsyncIterable<DirectoryChunk> {
  readonly root: string;
  readonly #request: ScanRequest;
  readonly #control: Int32Array;
  #iterated = false;

  constructor(root: string, options: ScanOptions) {
    const chunkSize = options.chunkSize ?? DEFAULT_CHUNK_SIZE;
    if (!Number.isSafeInteger(chunkSize) || chunkSize < 1) {
      throw new ScanError(
        'SCAN_INVALID_OPTION',
        `chunkSize must be a positive integer, got ${chunkSize}`,
        { root },
      );
    }
    const control = new SharedArrayBuffer(CONTROL_SLOTS * Int32Array.BYTES_PER_ELEMENT);
    this.root = root;
    this.#control = new Int32Array(control);
    this.#request = {
      root,
      exclude: [...options.exclude],
      excludeTypes: [...options.excludeTypes],
      followSymlinks: options.followSymlinks,
      chunkSize,
      window: SCAN_WINDOW,
      control,
    };
  }

  /** Chunks the scan thread has delivered so far (read live from shared memory). */
  get produced(): number {
    return Atomics.load(this.#control, CONTROL.posted);
  }

  /** Chunks the consumer has finished with (it asked for the one after). */
  get consumed(): number {
    return Atomics.load(this.#control, CONTROL.consumed);
  }

  [Symbol.asyncIterator](): AsyncIterator<DirectoryChunk> {
    if (this.#iterated) throw new Error('a TreeScan can be iterated only once');
    this.#iterated = true;
    return this.#run();
  }

  async *#run(): AsyncGenerator<DirectoryChunk, void, undefined> {
    const worker = scanThreads.acquire();
    let ended = false;
    try {
      const messages = on(worker, 'message', { close: ['exit'] });
      worker.postMessage(this.#request);
      for await (const [data] of messages) {
        const message = data as ScanThreadMessage;
        if (message.kind === 'done') {
          ended = true;
          break;
        }
        if (message.kind === 'root-failed') {
          ended = true;
          const { errno, message: reason } = message.failure;
          throw new ScanError(
            'SCAN_ROOT_UNREADABLE',
            `cannot scan source ${this.root}: ${reason}`,
            { root: this.root, errno },
          );
        }
        yield withPackedEntries(message.chunk);
        Atomics.add(this.#control, CONTROL.consumed, 1);
        Atomics.notify(this.#control, CONTROL.consumed);
      }
    } catch (error) {
      if (error instanceof ScanError) throw error;
      throw new ScanError('SCAN_WORKER_FAILED', `scanning ${this.root} failed in the scan thread`, {
        root: this.root,
        cause: error,
      });
    } finally {
      if (ended) scanThreads.release(worker);
      else {
        // Releases a thread blocked on the window when the consumer stopped early.
        Atomics.store(this.#control, CONTROL.stop, 1);
        Atomics.notify(this.#control, CONTROL.consumed);
        await worker.terminate();
      }
    }
    if (!ended) {
      throw new ScanError(
        'SCAN_WORKER_FAILED',
        `the scan thread for ${this.root} exited before finishing`,
        { root: this.root },
      );
    }
  }
}

/**
 * A chunk as the scan thread packed it, its entries decoded when first read. A pass reads them
 * packed (PackedEntries) and decodes only the few it acts on: decoded on arrival, every entry's
 * BigInts and path were made for a first pass that needs neither, and lived on while the chunk
 * waited in the pass's read-ahead, for the garbage collector to copy.
 */
function withPackedEntries(chunk: PackedChunk): DirectoryChunk {
  const packed = new PackedEntries(chunk.entries);
  let entries: ObservedEntry[] | undefined;
  const { dir, excluded, excludedNames, failures, final, complete } = chunk;
  return {
    dir,
    excluded,
    excludedNames,
    failures,
    final,
    complete,
    packed,
    get entries() {
      return (entries ??= packed.decodeAll());
    },
  };
}
