/**
 * From watcher events to queued work. Events only say where to look: once a path has been quiet
 * for the job's `settle` time, it is looked at on disk and compared with its recorded state by
 * the same decisions as a pass (`needsWork`), so an event never bypasses the state checks and
 * any number of events for one path make one action.
 *
 * - Present and in need of work: queued as a sync batch.
 * - Gone (lstat says ENOENT, not merely unreadable) and recorded: after a short rename window,
 *   handed to the delete gate (max_delete), which queues it as a delete or holds it; the job's
 *   delete mode turns a delete into nothing (`keep`) or a removal. Never for excluded paths, nor
 *   for entries of a directory that is gone too (the directory's own delete or rename covers
 *   them).
 * - A new entry that is a recorded, gone entry renamed, on strong evidence only
 *   (src/core/rename-evidence.ts): a file with the same inode, size and mtime; a directory with
 *   the same inode whose recorded children are found in it. It is carried over as a rename (see
 *   src/worker/renames.ts); anything less is a create and a delete. The gone half of a rename may
 *   still be settling when the new half is due (the watcher reports the new name first), so the
 *   gone paths still settling are considered too.
 *
 * Directories go first, so that files arriving under a renamed directory find their state moved.
 */
import { randomUUID } from 'node:crypto';
import { messageOf } from '../errors.js';
import type { JobConfig } from '../config/index.js';
import type { RecordedState } from '../core/decide.js';
import { decodeRelPath, joinRelPath, type ObservedEntry } from '../core/entry.js';
import { sendsBytes } from '../core/job-rules.js';
import { evidenceSample, provesDirectoryRename, sameEntry } from '../core/rename-evidence.js';
import { SettleQueue, type SettledPath } from '../core/settle.js';
import type { Logger } from '../log.js';
import { BATCH_KINDS, batchesFor, type BatchPayload } from '../queue/payload.js';
import type { JobQueue } from '../queue/queue.js';
import type { Exclusion } from '../sources/exclude.js';
import type { WatchEvent } from '../sources/watcher.js';
import type { FileLocks, FileStateStore } from '../state/index.js';
import type { DeleteGate } from './delete-gate.js';
import type { RenameRequest } from './job-actions.js';
import type { WatchAudit } from './watch-audit.js';
import { observe, sourcePathOf } from '../sources/observe.js';
import { needsWork } from './pass.js';
import { watchedOperation } from './pass-hooks.js';

export interface WatchFeedDeps {
  readonly job: JobConfig;
  /** Carries a rename over to iRODS (JobActions.rename): whether it did. */
  readonly rename: (request: RenameRequest) => Promise<boolean>;
  readonly states: FileStateStore;
  readonly locks: FileLocks;
  readonly queue: JobQueue;
  readonly exclusion: Exclusion;
  readonly logger: Logger;
  /** The pass number batches are counted under (the current or last pass). */
  readonly pass: () => number;
  /** While true, settled events are dropped: resuming rescans. */
  readonly paused: () => boolean;
  /** The feed could not act on events (Redis or iRODS trouble): they need a rescan. */
  readonly lost: (why: string) => void;
  /** Queues the deletes, or holds them when they are more than max_delete allows. */
  readonly deletes: DeleteGate;
  /** Counts the events and checks big bursts for lost ones. */
  readonly audit?: WatchAudit;
}

/** What one look at a settled path found. */
interface Look {
  readonly path: string;
  readonly relPath: Uint8Array;
  /** Undefined when the path is gone. */
  readonly entry: ObservedEntry | undefined;
  recorded: RecordedState | undefined;
}

/** Removals still settling looked at per flush for the other half of a rename. */
const RENAME_LOOKUPS = 1_000;

/** How much longer than settle a gone entry waits for the other half of a rename. */
const RENAME_GRACE_MS = 1_000;

export class WatchFeed {
  readonly #deps: WatchFeedDeps;
  readonly #settle: SettleQueue;
  /**
   * Gone entries waiting out the rename window before their delete is queued: the other half of
   * a rename may settle a little later (by at most about the settle time).
   */
  readonly #deferred = new Map<string, { look: Look; dueAt: number }>();
  readonly #renameWindowMs: number;
  #timer: NodeJS.Timeout | undefined;
  #flushing: Promise<void> | undefined;
  #closed = false;

  constructor(deps: WatchFeedDeps) {
    this.#deps = deps;
    this.#settle = new SettleQueue(deps.job.settle);
    this.#renameWindowMs = deps.job.settle + RENAME_GRACE_MS;
  }

  /**
   * Whether the feed is about to decide about `path` (text form) or a directory above it: it
   * waits out its rename window, or events for it began settling less than a settle time and a
   * rename window ago (a path that keeps changing longer is not held back from a pass). The feed
   * then queues what is needed itself, and may find a rename where a pass would see a new entry
   * and a gone one.
   */
  decides(path: string): boolean {
    if (this.#closed) return false;
    const now = performance.now();
    const horizon = this.#deps.job.settle + this.#renameWindowMs;
    for (let at = path.length; at > 0; at = path.lastIndexOf('/', at - 1)) {
      const prefix = path.slice(0, at);
      if (this.#deferred.has(prefix)) return true;
      const since = this.#settle.settlingSince(prefix);
      if (since !== undefined && now - since < horizon) return true;
    }
    return false;
  }

  /** Paths waiting for their settle time or rename window. */
  get pending(): number {
    return this.#settle.size + this.#deferred.size;
  }

  note(event: WatchEvent): void {
    if (this.#closed) return;
    // A watcher's text paths are valid UTF-8, whose text form (encodeRelPath) is the path itself.
    this.#settle.note(event.relPath, event.directory, event.removed, performance.now());
    this.#deps.audit?.note(event.relPath);
    this.#arm();
  }

  /** Stops acting on events; what was pending is dropped (a rescan covers it). */
  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#timer);
    this.#settle.clear();
    this.#deferred.clear();
    await this.#flushing;
    await this.#deps.audit?.settled();
  }

  #arm(): void {
    if (this.#timer !== undefined || this.#flushing !== undefined) return;
    let due = this.#settle.nextDueAt();
    for (const { dueAt } of this.#deferred.values()) due = Math.min(due ?? dueAt, dueAt);
    if (due === undefined) return;
    this.#timer = setTimeout(
      () => {
        this.#timer = undefined;
        this.#flushing = this.#flush().finally(() => {
          this.#flushing = undefined;
          if (this.#closed) return;
          this.#deps.audit?.afterFlush(this.#settle.size === 0 && this.#deferred.size === 0);
          this.#arm();
        });
      },
      Math.max(0, due - performance.now()),
    );
  }

  async #flush(): Promise<void> {
    const now = performance.now();
    const settled = this.#settle.take(now);
    if (this.#deps.paused()) {
      this.#deferred.clear();
      return;
    }
    try {
      await this.#act(settled, now);
    } catch (error) {
      this.#deferred.clear();
      this.#deps.lost(`acting on ${settled.length} watched change(s) failed: ${messageOf(error)}`);
    }
  }

  async #act(settled: readonly SettledPath[], now: number): Promise<void> {
    const { job, exclusion } = this.#deps;
    const looks = await this.#look(settled.map(({ path }) => path));
    const arrived = looks.filter(
      (look) =>
        look.entry !== undefined &&
        (look.entry.type === 'file' || look.entry.type === 'dir') &&
        !excluded(exclusion, look),
    );
    // Directories first, shallow before deep: a renamed parent carries its children along.
    const newcomers = arrived
      .filter((look) => look.recorded?.type !== look.entry!.type)
      .sort((a, b) => rank(a) - rank(b));
    const claimed = new Set<string>();
    if (newcomers.length > 0) {
      // The latest removals still settling are the likely other halves; looking at all of them
      // on every flush would cost a mass delete time quadratic in its size.
      const settling = this.#settle.removedStillSettling().slice(-RENAME_LOOKUPS);
      const deferred = [...this.#deferred.values()].map(({ look }) => look);
      const gone = new GoneByInode([
        ...looks,
        ...(await this.#look(settling.map(({ path }) => path))),
        ...deferred,
      ]);
      for (const look of newcomers) {
        // Moved along with a directory renamed before it in this loop.
        if (look.recorded?.type === look.entry!.type) continue;
        const from = await gone.take(look.entry!, (candidate) =>
          this.#provesRename(candidate, look),
        );
        if (from === undefined || !(await this.#rename(from, look))) continue;
        claimed.add(from.path);
        this.#settle.forget(from.path);
        this.#deferred.delete(from.path);
        if (look.entry!.type === 'dir') await this.#refresh(arrived);
        else look.recorded = from.recorded;
      }
    }
    const work = arrived.filter((look) =>
      needsWork(look.entry!, look.recorded, watchedOperation(job), job.ctime_changes),
    );
    await this.#queue(BATCH_KINDS.sync, work);

    for (const look of looks) {
      if (look.entry === undefined && look.recorded !== undefined && !claimed.has(look.path)) {
        this.#deferred.set(look.path, { look, dueAt: now + this.#renameWindowMs });
      }
    }
    const due = [...this.#deferred].filter(([, { dueAt }]) => dueAt <= now).map(([path]) => path);
    for (const path of due) this.#deferred.delete(path);
    const deletable = await this.#deletable(due);
    await this.#deps.deletes.admitWatched(
      deletable.map(({ path, relPath, recorded }) => ({ path, relPath, type: recorded!.type })),
    );
  }

  /**
   * Whether the new directory `to` holds the recorded children of the gone `from`: the same
   * names with the same inodes, sizes and mtimes (src/core/rename-evidence.ts). Files need no
   * more than their own inode, size and mtime, checked before this.
   */
  async #provesRename(from: Look, to: Look): Promise<boolean> {
    if (to.entry?.type !== 'dir') return true;
    const { job, states } = this.#deps;
    const recorded = [...(await states.recordedChildren(from.relPath))].map(([name, state]) => ({
      name,
      state,
    }));
    const children = [];
    for (const { name, state } of evidenceSample(recorded)) {
      const relPath = joinRelPath(to.relPath, decodeRelPath(name));
      let seen: ObservedEntry | undefined;
      try {
        seen = await observe(sourcePathOf(job.source, relPath), relPath, job.follow_symlinks);
      } catch {
        // Unreadable proves nothing either way.
        seen = undefined;
      }
      children.push({ recorded: state, seen });
    }
    return provesDirectoryRename(children);
  }

  /**
   * Of the gone paths whose rename window passed, those to delete: still gone, still recorded (a
   * directory rename may have moved their state), not excluded, and not inside a directory that
   * is gone as well (that directory's own delete or rename takes care of everything in it).
   */
  async #deletable(paths: readonly string[]): Promise<Look[]> {
    const { job, exclusion } = this.#deps;
    const looks = await this.#look(paths);
    // Deletes come in bursts from one directory: look at each parent once.
    const parentThere = new Map<string, Promise<boolean>>();
    const isThere = (dir: string) => {
      let there = parentThere.get(dir);
      if (there === undefined) {
        const relPath = decodeRelPath(dir);
        there = observe(sourcePathOf(job.source, relPath), relPath, false).then(
          (entry) => entry !== undefined,
        );
        parentThere.set(dir, there);
      }
      return there;
    };
    const out: Look[] = [];
    for (const look of looks) {
      if (look.entry !== undefined || look.recorded === undefined) continue;
      if (excluded(exclusion, look)) continue;
      const slash = look.path.lastIndexOf('/');
      if (slash > 0 && !(await isThere(look.path.slice(0, slash)))) continue;
      out.push(look);
    }
    return out;
  }

  async #look(paths: readonly string[]): Promise<Look[]> {
    const { job, states } = this.#deps;
    if (paths.length === 0) return [];
    const relPaths = paths.map(decodeRelPath);
    const recorded = await states.getMany(relPaths);
    const looks: Look[] = [];
    for (const [i, path] of paths.entries()) {
      const relPath = relPaths[i]!;
      let entry: ObservedEntry | undefined;
      try {
        entry = await observe(sourcePathOf(job.source, relPath), relPath, job.follow_symlinks);
      } catch (error) {
        // Unreadable is not gone: the next pass lists it as failed with its reason.
        this.#deps.lost(`cannot look at ${path}: ${messageOf(error)}`);
        continue;
      }
      looks.push({ path, relPath, entry, recorded: recorded[i] });
    }
    return looks;
  }

  /** Re-reads recorded states after a directory rename moved some of them. */
  async #refresh(looks: Look[]): Promise<void> {
    const recorded = await this.#deps.states.getMany(looks.map(({ relPath }) => relPath));
    looks.forEach((look, i) => (look.recorded = recorded[i]));
  }

  async #rename(from: Look, to: Look): Promise<boolean> {
    const { job, logger } = this.#deps;
    try {
      const renamed = await this.#deps.rename({
        job,
        states: this.#deps.states,
        locks: this.#deps.locks,
        owner: `rename:${randomUUID()}`,
        from: from.relPath,
        to: to.relPath,
        state: { ...from.recorded!, ...stateOf(to.entry!) },
      });
      if (renamed) {
        logger.info(`job ${job.name}: renamed ${from.path} to ${to.path}`, { job: job.name });
        return true;
      }
      return false;
    } catch (error) {
      // The ordinary way still works: sync the new name, delete the old one.
      logger.warn(
        `job ${job.name}: renaming ${from.path} to ${to.path} failed, syncing it instead: ${messageOf(error)}`,
        { job: job.name },
      );
      return false;
    }
  }

  async #queue(kind: BatchPayload['kind'], looks: readonly Look[]): Promise<void> {
    const { job, queue } = this.#deps;
    const paths = looks.map(({ path }) => path);
    const sends = sendsBytes(job.operation);
    const sizes = looks.map(({ entry }) => (sends ? (entry?.size ?? 0) : 0));
    const owner = { name: job.name, filesPerTask: job.files_per_task };
    await queue.add(batchesFor(kind, owner, this.#deps.pass(), paths, sizes), () => this.#closed);
  }
}

/** Gone, recorded entries by inode: the candidates for the old half of a rename. */
class GoneByInode {
  readonly #byInode = new Map<bigint, Look[]>();

  constructor(looks: readonly Look[]) {
    for (const look of looks) {
      if (look.entry !== undefined || look.recorded === undefined) continue;
      const same = this.#byInode.get(look.recorded.ino) ?? [];
      if (!same.some((other) => other.path === look.path)) same.push(look);
      this.#byInode.set(look.recorded.ino, same);
    }
  }

  /**
   * The gone entry `entry` is a renamed copy of, taken so that it is matched only once: one
   * with the same inode (size and mtime for a file) that `proves` accepts.
   */
  async take(
    entry: ObservedEntry,
    proves: (candidate: Look) => Promise<boolean>,
  ): Promise<Look | undefined> {
    const same = this.#byInode.get(entry.ino) ?? [];
    for (const [at, look] of same.entries()) {
      if (!sameEntry(look.recorded!, entry) || !(await proves(look))) continue;
      same.splice(at, 1);
      return look;
    }
    return undefined;
  }
}

function stateOf(entry: ObservedEntry): Partial<RecordedState> {
  return { ino: entry.ino, ctimeNs: entry.ctimeNs };
}

function excluded(exclusion: Exclusion, look: Look): boolean {
  const isDirectory = (look.entry?.type ?? look.recorded?.type) === 'dir';
  return exclusion.usesPaths && exclusion.excludesPath(look.path, isDirectory);
}

function rank(look: Look): number {
  const depth = look.path.split('/').length;
  return look.entry?.type === 'dir' ? depth : 1_000_000 + depth;
}
