/**
 * A set of at most `capacity` keys that forgets the least recently used one first. Backed by a
 * Map, whose iteration order is insertion order: touching a key re-inserts it at the end.
 */
export class LruSet<K> {
  readonly #capacity: number;
  readonly #keys = new Map<K, true>();

  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new RangeError(`LruSet capacity must be a positive integer, got ${capacity}`);
    }
    this.#capacity = capacity;
  }

  get size(): number {
    return this.#keys.size;
  }

  /** True when `key` is present; it becomes the most recently used. */
  has(key: K): boolean {
    if (!this.#keys.delete(key)) return false;
    this.#keys.set(key, true);
    return true;
  }

  add(key: K): void {
    this.#keys.delete(key);
    this.#keys.set(key, true);
    if (this.#keys.size > this.#capacity) {
      const oldest = this.#keys.keys().next();
      if (oldest.done !== true) this.#keys.delete(oldest.value);
    }
  }

  delete(key: K): boolean {
    return this.#keys.delete(key);
  }

  /** Removes every key for which `predicate` is true. */
  deleteWhere(predicate: (key: K) => boolean): void {
    for (const key of [...this.#keys.keys()]) if (predicate(key)) this.#keys.delete(key);
  }

  clear(): void {
    this.#keys.clear();
  }
}
