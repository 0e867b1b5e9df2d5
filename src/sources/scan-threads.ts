/**
 * Scan threads kept from one scan to the next. A new thread costs 60-100 ms to start on the
 * project's machine (several hundred under tsx, which compiles the scanner's modules again in
 * every thread), and its compiled walk code dies with it; a daemon rescans its jobs again and
 * again, so a thread that finished a scan waits, unreferenced, for the next one.
 *
 * Only a thread that ended its scan itself (done, or the root failed) comes back; one whose
 * consumer stopped early may still be in the middle of a walk and is terminated instead.
 */
import { Worker } from 'node:worker_threads';

// Resolves to scan-worker.js next to the compiled module; under tsx (whose --import the thread
// inherits with the parent's execArgv) the same URL resolves to scan-worker.ts.
const WORKER_URL = new URL('./scan-worker.js', import.meta.url);

/** Idle threads kept; more jobs than this seldom scan at the same time. */
const MOST_IDLE = 2;

export class ScanThreads {
  readonly #idle: Worker[] = [];

  /** A thread for one scan: an idle one, or a new one. */
  acquire(): Worker {
    const worker = this.#idle.pop() ?? this.#start();
    worker.ref();
    return worker;
  }

  /** Takes back a thread that has ended its scan. */
  release(worker: Worker): void {
    if (this.#idle.length >= MOST_IDLE) {
      void worker.terminate();
      return;
    }
    // An idle thread must not keep the process alive.
    worker.unref();
    this.#idle.push(worker);
  }

  #start(): Worker {
    const worker = new Worker(WORKER_URL);
    worker.on('exit', () => {
      const at = this.#idle.indexOf(worker);
      if (at >= 0) this.#idle.splice(at, 1);
    });
    // A scan in progress hears its thread's errors through its own listener; this one only
    // keeps an error of an idle thread (which then exits, leaving the pool) from being fatal.
    worker.on('error', () => {});
    return worker;
  }
}

/** The threads all scans of this process share. */
export const scanThreads = new ScanThreads();
