/**
 * The file locks of one batch run (one owner token): taken for all the batch's files at its
 * start, kept while the run works on them, released at its end.
 *
 * A lock lapses its TTL after its last renewal, so that a dead worker's files are free again.
 * Renewals come from a timer (the run is alive) and from the progress of a long step on a file
 * (each chunk of an upload, a long read): before more bytes go out for a file, the run makes sure
 * that its lock has most of its TTL left, renewing it when not. A run whose lock lapsed (a stall
 * longer than the TTL: Redis stopped, the process frozen) learns it there and stops; what it may
 * have written after another worker took the file over is checked on the next try (the recheck
 * mark that `release` leaves, see FileLocks).
 *
 * The run knows until when each lock is surely held (when it sent the last renewal that found
 * the lock its own, plus the TTL), so most checks cost no round trip.
 */
import { LockLostError, type FileLocks } from '../state/index.js';

/** What `claim` found for a file about to be acted on. */
export const CLAIMS = {
  /** The run holds the lock, as it has since the batch started. */
  held: 'held',
  /** The lock had lapsed, nobody took it, and the run holds it again: re-read the file's state. */
  retaken: 'retaken',
  /** Another worker holds the lock now: the file is busy. */
  lost: 'lost',
} as const;
export type Claim = (typeof CLAIMS)[keyof typeof CLAIMS];

export class BatchLocks {
  /** The batch's files whose locks the run got at the start, in batch order. */
  readonly mine: readonly string[];
  /** The batch's files another worker held at the start. */
  readonly busy: readonly string[];
  readonly #locks: FileLocks;
  readonly #owner: string;
  readonly #ttlMs: number;
  /**
   * Per file held: until when (performance.now() ms: a wall clock set back would stretch it) the
   * lock is surely the run's.
   */
  readonly #heldUntil = new Map<string, number>();
  readonly #timer: NodeJS.Timeout;

  private constructor(
    locks: FileLocks,
    owner: string,
    ttlMs: number,
    mine: string[],
    busy: string[],
    sentAt: number,
  ) {
    this.#locks = locks;
    this.#owner = owner;
    this.#ttlMs = ttlMs;
    this.mine = mine;
    this.busy = busy;
    for (const path of mine) this.#heldUntil.set(path, sentAt + ttlMs);
    this.#timer = setInterval(() => void this.#renewAll(), ttlMs / 3);
  }

  /** Takes the locks of `paths` that nobody holds; starts renewing them. */
  static async take(
    locks: FileLocks,
    paths: readonly string[],
    owner: string,
    ttlMs: number,
  ): Promise<BatchLocks> {
    const sentAt = performance.now();
    const got = await locks.tryLock(paths, ttlMs, owner);
    const mine = paths.filter((_, i) => got[i]);
    const busy = paths.filter((_, i) => !got[i]);
    return new BatchLocks(locks, owner, ttlMs, mine, busy, sentAt);
  }

  /** Before the run acts on `path`: whether it holds the lock (still, or again). */
  async claim(path: string): Promise<Claim> {
    const until = this.#heldUntil.get(path);
    if (until !== undefined && until - performance.now() > this.#ttlMs / 3) return CLAIMS.held;
    if (until !== undefined && (await this.#renew(path))) return CLAIMS.held;
    const sentAt = performance.now();
    const [got] = await this.#locks.tryLock([path], this.#ttlMs, this.#owner);
    if (!got) return CLAIMS.lost;
    this.#heldUntil.set(path, sentAt + this.#ttlMs);
    return CLAIMS.retaken;
  }

  /**
   * From a long step's progress on `path`: renews the lock when less than two thirds of its TTL
   * are left, so the step's next request starts with at least that much. Throws LockLostError
   * once the run no longer holds it.
   */
  async keep(path: string): Promise<void> {
    const until = this.#heldUntil.get(path);
    if (until !== undefined && until - performance.now() >= (this.#ttlMs * 2) / 3) return;
    if (until === undefined || !(await this.#renew(path))) throw new LockLostError(path);
  }

  /** Stops renewing the lock of `path`: the run released it (or found it lost). */
  drop(path: string): void {
    this.#heldUntil.delete(path);
  }

  /** Stops the renewals; the run is about to release its locks. */
  stop(): void {
    clearInterval(this.#timer);
  }

  async #renew(path: string): Promise<boolean> {
    const sentAt = performance.now();
    const [held] = await this.#locks.extend([path], this.#ttlMs, this.#owner);
    if (held === true) this.#heldUntil.set(path, sentAt + this.#ttlMs);
    else this.#heldUntil.delete(path);
    return held === true;
  }

  /** The timer's renewal of every lock the run holds; a failed one is left to the next tick. */
  async #renewAll(): Promise<void> {
    const paths = [...this.#heldUntil.keys()];
    const sentAt = performance.now();
    let held: boolean[];
    try {
      held = await this.#locks.extend(paths, this.#ttlMs, this.#owner);
    } catch {
      return;
    }
    paths.forEach((path, i) => {
      if (held[i]) this.#heldUntil.set(path, sentAt + this.#ttlMs);
      else this.#heldUntil.delete(path);
    });
  }
}
