/**
 * Quiet-time tracking for watcher events: a path is handed on once no event touched it for
 * `settleMs`, and any number of events for one path in that time collapse into one. Pure: the
 * caller supplies the clock, so the rules are tested without timers.
 */

export interface SettledPath {
  /** Text form of the relative path (encodeRelPath). */
  readonly path: string;
  /** The last event seen for it: a directory event, or one about a file. */
  readonly directory: boolean;
  /** Whether the last event said the path is gone (unlink, unlinkDir). */
  readonly removed: boolean;
}

interface Pending extends SettledPath {
  readonly lastAt: number;
  /** The first event since the path last settled. */
  readonly firstAt: number;
}

export class SettleQueue {
  readonly #settleMs: number;
  /** In order of last event, oldest first (re-noting a path moves it to the end). */
  readonly #pending = new Map<string, Pending>();

  constructor(settleMs: number) {
    this.#settleMs = settleMs;
  }

  get size(): number {
    return this.#pending.size;
  }

  note(path: string, directory: boolean, removed: boolean, now: number): void {
    const firstAt = this.#pending.get(path)?.firstAt ?? now;
    this.#pending.delete(path);
    this.#pending.set(path, { path, directory, removed, lastAt: now, firstAt });
  }

  /** Paths quiet for settleMs at `now`, oldest first; they leave the queue. */
  take(now: number): SettledPath[] {
    const due: SettledPath[] = [];
    for (const pending of this.#pending.values()) {
      if (now - pending.lastAt < this.#settleMs) break;
      due.push({ path: pending.path, directory: pending.directory, removed: pending.removed });
    }
    for (const { path } of due) this.#pending.delete(path);
    return due;
  }

  /** Paths still settling whose last event said they are gone (rename halves, see watch-feed). */
  removedStillSettling(): SettledPath[] {
    return [...this.#pending.values()].filter((pending) => pending.removed);
  }

  /** When the events of `path` that are still settling began, or undefined when none are. */
  settlingSince(path: string): number | undefined {
    return this.#pending.get(path)?.firstAt;
  }

  /** Drops a path that was dealt with early (the gone half of a rename). */
  forget(path: string): void {
    this.#pending.delete(path);
  }

  /** When the oldest pending path settles, or undefined when nothing is pending. */
  nextDueAt(): number | undefined {
    const oldest = this.#pending.values().next();
    return oldest.done ? undefined : oldest.value.lastAt + this.#settleMs;
  }

  clear(): void {
    this.#pending.clear();
  }
}
