/**
 * A bounded hand-over between one producer and one consumer: `push` waits while `capacity` items
 * wait to be taken, `take` waits for the next item, and answers undefined once the channel is
 * closed and empty. Closing releases a producer that waits for room (its item is dropped: the
 * consumer is gone).
 */
export class PageChannel<T> {
  readonly #capacity: number;
  readonly #items: T[] = [];
  #closed = false;
  /** Wakes the side that waits: the consumer for an item, the producer for room. */
  #wake: (() => void) | undefined;

  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new RangeError(`PageChannel capacity must be a positive integer, got ${capacity}`);
    }
    this.#capacity = capacity;
  }

  async push(item: T): Promise<void> {
    while (!this.#closed && this.#items.length >= this.#capacity) await this.#wait();
    if (this.#closed) return;
    this.#items.push(item);
    this.#notify();
  }

  async take(): Promise<T | undefined> {
    while (this.#items.length === 0 && !this.#closed) await this.#wait();
    const item = this.#items.shift();
    this.#notify();
    return item;
  }

  close(): void {
    this.#closed = true;
    this.#notify();
  }

  #wait(): Promise<void> {
    return new Promise((resolve) => {
      this.#wake = resolve;
    });
  }

  #notify(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }
}
