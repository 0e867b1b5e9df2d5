/**
 * The kernel drops inotify events once its queue is full and tells nobody (libuv ignores the
 * overflow notice), and the stall watch (loop-stalls.ts) sees only the stalls that let it fill.
 * So the watcher's events are counted: a burst that delivered enough of them to have filled the
 * queue (`overflowPossibleAt`) is checked against the directories it changed, once it settled.
 * Each such directory is listed and every entry in it must be known: recorded, on the failure
 * list, or named by an event of the burst (or of the one before: its work may still be queued).
 * An entry nobody knew of means events were lost, and the job rescans, saying where.
 *
 * A burst over more directories than are worth listing is taken as lost outright: the rescan
 * costs about what listing them would.
 */
import type { Dirent } from 'node:fs';
import { opendir } from 'node:fs/promises';
import { decodeRelPath, encodeRelPath, joinRelPath } from '../core/entry.js';
import type { Exclusion } from '../sources/exclude.js';
import type { FailureStore, FileStateStore } from '../state/index.js';
import { sourcePathOf } from '../sources/observe.js';

export interface WatchAuditDeps {
  readonly source: string;
  readonly states: FileStateStore;
  readonly failures: FailureStore;
  readonly exclusion: Exclusion;
  /** Events from which a burst may have overflowed the kernel's queue. */
  readonly threshold: number;
  /** Events were lost: the job rescans. */
  readonly lost: (why: string) => void;
}

/** Directories of one burst listed at most; a wider burst is rescanned instead. */
export const AUDIT_DIRECTORIES = 256;
/** A burst that never settles is checked anyway after this many times its threshold. */
const UNSETTLED_FACTOR = 4;
/** How long an entry found unknown may take to show up as an event before it counts as lost. */
const SECOND_LOOK_MS = 1_000;
/** Entries looked up in Redis per round trip. */
const LOOKUP_PAGE = 1_000;
/** Unknown entries that settle it: events were lost. */
const UNKNOWN_ENOUGH = 100;

/** Names seen in events, by directory (text paths, '' for the root). */
type Seen = Map<string, Set<string>>;

export class WatchAudit {
  readonly #deps: WatchAuditDeps;
  #events = 0;
  #seen: Seen = new Map();
  /** The previous burst's names: its files may still wait in the queue, unrecorded. */
  #before: Seen = new Map();
  #running: Promise<void> | undefined;

  constructor(deps: WatchAuditDeps) {
    this.#deps = deps;
  }

  /** Counts one watcher event for the text path `path`. */
  note(path: string): void {
    this.#events += 1;
    const slash = path.lastIndexOf('/');
    const dir = slash < 0 ? '' : path.slice(0, slash);
    let names = this.#seen.get(dir);
    if (names === undefined) this.#seen.set(dir, (names = new Set()));
    names.add(path.slice(slash + 1));
  }

  /**
   * After the feed acted on what settled: checks the burst when it delivered enough events and
   * has settled (`quiet`), or when it went on far past that. Never two checks at once.
   */
  afterFlush(quiet: boolean): void {
    const { threshold } = this.#deps;
    const due = quiet ? this.#events >= threshold : this.#events >= threshold * UNSETTLED_FACTOR;
    if (!due || this.#running !== undefined) return;
    const events = this.#events;
    const seen = this.#seen;
    this.#before = seen;
    this.#seen = new Map();
    this.#events = 0;
    this.#running = this.#check(events, seen)
      .catch(() => undefined)
      .finally(() => (this.#running = undefined));
  }

  /** Waits for a check in progress (on close). */
  async settled(): Promise<void> {
    await this.#running;
  }

  async #check(events: number, seen: Seen): Promise<void> {
    const { lost } = this.#deps;
    if (seen.size > AUDIT_DIRECTORIES) {
      lost(
        `a burst of ${events} watcher events over ${seen.size} directories may have overflowed the kernel's event queue (more directories than are checked)`,
      );
      return;
    }
    let unknown: { dir: string; names: string[] }[] = [];
    for (const dir of seen.keys()) {
      const names = await this.#unknownIn(dir);
      if (names.length > 0) unknown.push({ dir, names });
    }
    if (unknown.length === 0) return;
    // An entry made just now may be an event on its way: one more look after a moment.
    await new Promise((resolve) => setTimeout(resolve, SECOND_LOOK_MS));
    const again: { dir: string; names: string[] }[] = [];
    for (const { dir, names } of unknown) {
      const still = new Set(await this.#unknownIn(dir));
      const missed = names.filter((name) => still.has(name));
      if (missed.length > 0) again.push({ dir, names: missed });
    }
    unknown = again;
    if (unknown.length === 0) return;
    const total = unknown.reduce((sum, { names }) => sum + names.length, 0);
    const atLeast = unknown.some(({ names }) => names.length >= UNKNOWN_ENOUGH) ? 'at least ' : '';
    const first = unknown[0]!;
    const where = first.dir === '' ? 'the source root' : first.dir;
    lost(
      `the watcher missed ${atLeast}${total} entries after a burst of ${events} events (e.g. ${first.names[0]!} in ${where}): the kernel's event queue overflowed; raise fs.inotify.max_queued_events`,
    );
  }

  /**
   * The entries of `dir` that nobody told the job about (at most UNKNOWN_ENOUGH: a few prove a
   * loss). The directory is read as a stream and looked up in Redis a page at a time, so a huge
   * directory costs time, not memory.
   */
  async #unknownIn(dir: string): Promise<string[]> {
    const { source } = this.#deps;
    const relDir = decodeRelPath(dir);
    const unknown: string[] = [];
    let page: string[] = [];
    try {
      const listing = await opendir(sourcePathOf(source, relDir), { bufferSize: LOOKUP_PAGE });
      for await (const entry of listing) {
        if (!this.#mayBeUnknown(dir, entry)) continue;
        page.push(entry.name);
        if (page.length < LOOKUP_PAGE) continue;
        unknown.push(...(await this.#unrecorded(relDir, page)));
        page = [];
        if (unknown.length >= UNKNOWN_ENOUGH) return unknown;
      }
    } catch {
      // Gone: its own removal was an event. Unreadable: the rescans list it as failed.
      return unknown;
    }
    unknown.push(...(await this.#unrecorded(relDir, page)));
    return unknown;
  }

  /** Whether `entry` of `dir` is something the job syncs that no event of the bursts named. */
  #mayBeUnknown(dir: string, entry: Dirent): boolean {
    // Only what the job syncs: links, fifos and devices are for the rescans to judge.
    const isDirectory = entry.isDirectory();
    if (!isDirectory && !entry.isFile()) return false;
    // A name that is not UTF-8 reaches the watcher mangled, which asks for a rescan itself.
    if (entry.name.includes('\uFFFD')) return false;
    const path = dir === '' ? entry.name : `${dir}/${entry.name}`;
    if (this.#deps.exclusion.excludesPath(path, isDirectory)) return false;
    return !this.#seen.get(dir)?.has(entry.name) && !this.#before.get(dir)?.has(entry.name);
  }

  /** Of `names` in `relDir`, those neither recorded (provisional included) nor failing. */
  async #unrecorded(relDir: Uint8Array, names: readonly string[]): Promise<string[]> {
    if (names.length === 0) return [];
    const relPaths = names.map((name) => joinRelPath(relDir, Buffer.from(name)));
    const [recorded, failing] = await Promise.all([
      this.#deps.states.getMany(relPaths),
      this.#deps.failures.have(relPaths.map((relPath) => encodeRelPath(relPath))),
    ]);
    return names.filter((_, i) => recorded[i] === undefined && !failing[i]);
  }
}
