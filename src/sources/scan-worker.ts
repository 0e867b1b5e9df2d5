/**
 * Body of a scan thread: for each request, walks the tree synchronously and posts each chunk,
 * waiting whenever it is `window` chunks ahead of the consumer. Between requests it idles on its
 * event loop, so that the next scan finds it started and its walk code compiled.
 */
import { parentPort } from 'node:worker_threads';
import { IngestError } from '../errors.js';
import { compileExclusion } from './exclude.js';
import { CONTROL, type ScanRequest, type ScanThreadMessage } from './scan-protocol.js';
import { StatHelper } from './stat-helper.js';
import { walkTree, type PackedChunk } from './walk.js';

/** Thrown through the walk to unwind it when the consumer has stopped. */
class Stopped extends IngestError {
  constructor() {
    super('SCAN_STOPPED', 'the consumer of the scan stopped');
  }
}

const port = parentPort!;
/** Started with the thread; each scan uses it once it is ready (see stat-helper.ts). */
const helper = StatHelper.start();

function post(message: ScanThreadMessage, transfer: ArrayBuffer[] = []): void {
  port.postMessage(message, transfer);
}

function scan(request: ScanRequest): void {
  const control = new Int32Array(request.control);
  const deliver = (chunk: PackedChunk): void => {
    const posted = Atomics.load(control, CONTROL.posted);
    for (;;) {
      if (Atomics.load(control, CONTROL.stop) !== 0) throw new Stopped();
      const consumed = Atomics.load(control, CONTROL.consumed);
      if (posted - consumed < request.window) break;
      // Wakes when the consumer takes a chunk or stops (both notify on the consumed slot).
      Atomics.wait(control, CONTROL.consumed, consumed);
    }
    post({ kind: 'chunk', chunk }, [chunk.entries]);
    Atomics.add(control, CONTROL.posted, 1);
  };
  const exclusion = compileExclusion(request.exclude, request.excludeTypes);
  const options = {
    exclusion,
    followSymlinks: request.followSymlinks,
    chunkSize: request.chunkSize,
    helper,
  };
  const failure = walkTree(request.root, options, deliver);
  post(failure === undefined ? { kind: 'done' } : { kind: 'root-failed', failure });
}

port.on('message', (request: ScanRequest) => {
  try {
    scan(request);
  } catch (error) {
    // The main thread terminates a thread whose consumer stopped; nothing more to post.
    if (!(error instanceof Stopped)) throw error;
  }
});
