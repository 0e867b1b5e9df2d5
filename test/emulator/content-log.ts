/**
 * Per-path record of the requests that gave a data object new content, for tests and the soak
 * (`GET /_emulator/writes`): a closed write (a single `write`, or a parallel-write handle shut
 * down), a `register`, and a `modify_replica` that sets a new size. A client that sends the same
 * file twice shows up as two entries of the same size, which is what the soak's duplicate check
 * counts. Memory only: a restarted emulator starts an empty log.
 */

export const CONTENT_EVENTS = { write: 'write', register: 'register', modify: 'modify' } as const;
export type ContentEvent = (typeof CONTENT_EVENTS)[keyof typeof CONTENT_EVENTS];

// A type, not an interface: it must fit the emulator's JSON value type (an index signature).
export type ContentEntry = {
  readonly kind: ContentEvent;
  /** The replica's size once the request was done. */
  readonly size: number;
  /** Milliseconds since the epoch when the request was done. */
  readonly at: number;
};

export class ContentLog {
  readonly #entries = new Map<string, ContentEntry[]>();

  record(path: string, kind: ContentEvent, size: number): void {
    let entries = this.#entries.get(path);
    if (entries === undefined) this.#entries.set(path, (entries = []));
    entries.push({ kind, size, at: Date.now() });
  }

  /** Every logical path with its entries, oldest first. */
  toJSON(): Record<string, readonly ContentEntry[]> {
    return Object.fromEntries(this.#entries);
  }
}
