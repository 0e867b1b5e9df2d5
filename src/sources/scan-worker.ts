/**
 * Body of the scan thread: walks the tree synchronously and posts each chunk, waiting whenever
 * it is `window` chunks ahead of the consumer.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { encodeEntries } from './entry-codec.js';
import { compileExclusion } from './exclude.js';
import { CONTROL, type ScanThreadInput, type ScanThreadMessage } from './scan-protocol.js';
import type { DirectoryChunk } from './types.js';
import { walkTree } from './walk.js';

/** Thrown through the walk to unwind it when the consumer has stopped. */
class Stopped extends Error {}

const input = workerData as ScanThreadInput;
const control = new Int32Array(input.control);
const port = parentPort!;

function post(message: ScanThreadMessage, transfer: ArrayBuffer[] = []): void {
  port.postMessage(message, transfer);
}

function deliver(chunk: DirectoryChunk): void {
  const posted = Atomics.load(control, CONTROL.posted);
  for (;;) {
    if (Atomics.load(control, CONTROL.stop) !== 0) throw new Stopped();
    const consumed = Atomics.load(control, CONTROL.consumed);
    if (posted - consumed < input.window) break;
    // Wakes when the consumer takes a chunk or stops (both notify on the consumed slot).
    Atomics.wait(control, CONTROL.consumed, consumed);
  }
  const { entries, ...rest } = chunk;
  const packed = encodeEntries(entries);
  post({ kind: 'chunk', chunk: rest, entries: packed }, [packed]);
  Atomics.add(control, CONTROL.posted, 1);
}

try {
  const exclusion = compileExclusion(input.exclude, input.excludeTypes);
  const options = { exclusion, followSymlinks: input.followSymlinks, chunkSize: input.chunkSize };
  const failure = walkTree(input.root, options, deliver);
  post(failure === undefined ? { kind: 'done' } : { kind: 'root-failed', failure });
} catch (error) {
  if (!(error instanceof Stopped)) throw error;
}
