/**
 * A second thread that stats part of each directory listing while the scan thread stats the
 * rest. A walk spends 85% of its time in `lstat` (by absolute path: Node has no `fstatat`), and
 * two threads stat a tree 1.75-1.85x as fast as one, so a rescan's walk nearly doubles its
 * speed on two cores.
 *
 * The walk is synchronous, so the hand-over is too: the scan thread posts a listing's paths on a
 * port, counts the request in shared memory and stats from the front of the listing; the helper,
 * blocked in Atomics.wait, takes the paths with receiveMessageOnPort and stats from the back,
 * writing each stat into shared arrays, then counts the request done. Each takes a path by
 * claiming its slot with a compare-and-swap, so the two meet wherever their speeds put the
 * boundary: a fixed half for each left the walk waiting for a helper that had been descheduled
 * (a tenth of a rescan's time on two busy cores), while the walk could have stated the rest.
 * The walk only uses the helper once it has said it is ready, and stats everything itself
 * again if the helper stops answering.
 */
import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads';
import type { StatFacts } from './stat-facts.js';

// Resolves to stat-helper-worker.js next to the compiled module; under tsx to the .ts file.
const WORKER_URL = new URL('./stat-helper-worker.js', import.meta.url);

/** The most paths one request carries; the walk prefetches at most this many per chunk. */
export const HELPER_CAPACITY = 1024;
/** How long the walk waits for an answer before it stats the paths itself. */
const ANSWER_TIMEOUT_MS = 30_000;

/**
 * Per path, in the shared Int32Array: the number of the request in which it was claimed. A slot
 * is free for request `n` while it holds less than `n`, so slots need no clearing between
 * requests, and a helper still on an old request (the walk did not wait for an answer it did
 * not need) finds every slot of a newer one taken.
 */
export function claimSlot(claims: Int32Array, slot: number, request: number): boolean {
  const held = Atomics.load(claims, slot);
  return held < request && Atomics.compareExchange(claims, slot, held, request) === held;
}

/** Slots of the shared control array. */
export const HELPER_CONTROL = { ready: 0, requested: 1, answered: 2 } as const;
/** Per path: the stat facts the walk keeps, in this order, in the shared BigInt64Array. */
export const HELPER_FIELDS = 6;
/** Per path, in the shared Int32Array: how its stat went. */
export const HELPER_STATUS = { stated: 0, gone: 1, failed: 2 } as const;

/** A prefetched stat: its facts, `gone` (core/gone.ts), or undefined to stat it again in the walk. */
export type Prefetched = StatFacts | 'gone' | undefined;

export interface HelperShared {
  readonly control: SharedArrayBuffer;
  readonly values: SharedArrayBuffer;
  readonly status: SharedArrayBuffer;
  readonly claims: SharedArrayBuffer;
  readonly port: MessagePort;
}

export class StatHelper {
  readonly #control: Int32Array;
  readonly #values: BigInt64Array;
  readonly #status: Int32Array;
  readonly #claims: Int32Array;
  readonly #port: MessagePort;
  /** The number of the last request, and how many paths it carried. */
  #request = 0;
  #pending = 0;
  #broken = false;

  private constructor(shared: Omit<HelperShared, 'port'>, port: MessagePort) {
    this.#control = new Int32Array(shared.control);
    this.#values = new BigInt64Array(shared.values);
    this.#status = new Int32Array(shared.status);
    this.#claims = new Int32Array(shared.claims);
    this.#port = port;
  }

  /** Starts the helper thread; it becomes usable once it has started (see `ready`). */
  static start(): StatHelper {
    const shared = {
      control: new SharedArrayBuffer(3 * Int32Array.BYTES_PER_ELEMENT),
      values: new SharedArrayBuffer(HELPER_CAPACITY * HELPER_FIELDS * 8),
      status: new SharedArrayBuffer(HELPER_CAPACITY * Int32Array.BYTES_PER_ELEMENT),
      claims: new SharedArrayBuffer(HELPER_CAPACITY * Int32Array.BYTES_PER_ELEMENT),
    };
    const { port1, port2 } = new MessageChannel();
    const worker = new Worker(WORKER_URL, {
      workerData: { ...shared, port: port2 } satisfies HelperShared,
      transferList: [port2],
    });
    // Nothing waits on the helper's event loop: it must neither keep the thread alive nor take
    // it down. A helper that died is noticed by the walk's timeout.
    worker.unref();
    worker.on('error', () => {});
    port1.unref();
    return new StatHelper(shared, port1);
  }

  get ready(): boolean {
    return !this.#broken && Atomics.load(this.#control, HELPER_CONTROL.ready) === 1;
  }

  /**
   * Hands `paths` (at most HELPER_CAPACITY) to the helper, which stats them from the back. The
   * walk takes each path from the front with `claim`, and `collect` the rest.
   */
  prefetch(paths: (string | Buffer)[]): void {
    this.#pending = paths.length;
    this.#port.postMessage({ paths });
    this.#request = Atomics.add(this.#control, HELPER_CONTROL.requested, 1) + 1;
    Atomics.notify(this.#control, HELPER_CONTROL.requested);
  }

  /** Claims the `index`th path of the last `prefetch` for the walk; false once the helper has. */
  claim(index: number): boolean {
    return claimSlot(this.#claims, index, this.#request);
  }

  /**
   * The answers for the paths of the last `prefetch` from `from` on, which the helper claimed,
   * in order; all undefined when the helper failed.
   */
  collect(from: number): Prefetched[] {
    // Every path was the walk's: the helper's answer, which says nothing, need not be awaited.
    if (from >= this.#pending) return [];
    const requested = this.#request;
    const answered = () => Atomics.load(this.#control, HELPER_CONTROL.answered);
    const deadline = performance.now() + ANSWER_TIMEOUT_MS;
    let seen = answered();
    while (seen < requested) {
      const left = deadline - performance.now();
      if (left <= 0) {
        this.#broken = true;
        return new Array<Prefetched>(this.#pending - from).fill(undefined);
      }
      Atomics.wait(this.#control, HELPER_CONTROL.answered, seen, left);
      seen = answered();
    }
    const answers: Prefetched[] = [];
    for (let i = from; i < this.#pending; i++) {
      const status = this.#status[i];
      if (status === HELPER_STATUS.gone) answers.push('gone');
      else if (status !== HELPER_STATUS.stated) answers.push(undefined);
      else {
        const at = i * HELPER_FIELDS;
        const v = this.#values;
        answers.push({
          mode: v[at]!,
          size: v[at + 1]!,
          mtimeNs: v[at + 2]!,
          ctimeNs: v[at + 3]!,
          ino: v[at + 4]!,
          dev: v[at + 5]!,
        });
      }
    }
    return answers;
  }
}
