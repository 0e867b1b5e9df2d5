/**
 * Writes that many callers make one at a time (each batch run its files', one after the other),
 * sent together: while one call is in flight, the writes that arrive meanwhile wait and go in the
 * next, so N runs writing at once cost about one round trip per round-trip time instead of N.
 *
 * A write that finds nothing in flight goes once the event loop has run the callbacks of its
 * turn (setImmediate), with the writes they made: the answers that arrive together (each batch
 * run's previous request) then cost one call, and the requests those callbacks send leave first.
 * It never waits for a timer.
 */

/** Writes per call at most, so that one call never holds Redis for long. */
const MAX_GROUP = 500;

interface Waiting<T, R> {
  readonly item: T;
  readonly resolve: (result: R) => void;
  readonly reject: (error: unknown) => void;
}

export class GroupCommit<T, R> {
  /** Sends `items` in one call; answers one result per item, in order. */
  readonly #send: (items: readonly T[]) => Promise<readonly R[]>;
  #waiting: Waiting<T, R>[] = [];
  #busy = false;

  constructor(send: (items: readonly T[]) => Promise<readonly R[]>) {
    this.#send = send;
  }

  /** Resolves with the item's result once the call that carried it answered. */
  submit(item: T): Promise<R> {
    const result = new Promise<R>((resolve, reject) => {
      this.#waiting.push({ item, resolve, reject });
    });
    if (!this.#busy) {
      this.#busy = true;
      setImmediate(() => void this.#drain());
    }
    return result;
  }

  async #drain(): Promise<void> {
    try {
      while (this.#waiting.length > 0) {
        const group = this.#waiting.splice(0, MAX_GROUP);
        try {
          const results = await this.#send(group.map(({ item }) => item));
          group.forEach(({ resolve }, i) => resolve(results[i]!));
        } catch (error) {
          // Each caller learns of the failure as if it had sent its write alone.
          for (const { reject } of group) reject(error);
        }
      }
    } finally {
      this.#busy = false;
    }
  }
}
