/**
 * Where a job's deletes wait for max_delete (src/core/delete-limits.ts) before they are queued.
 *
 * - A pass gathers its delete candidates (in Redis, see DeleteHolds) while it scans and decides
 *   once the scan is complete: within the limit they are queued, above it they are held, and the
 *   rest of the pass goes on either way. The next pass decides again from what it finds: the
 *   same deletes replace the hold, fewer than the limit clear it.
 * - The watcher's deletes add up from one pass to the next (what a pass over the same time would
 *   have found), as a share of what the job tracks (at the pass's start, or now if it grew): the
 *   one that would go over the limit is held, and while anything is held, the watcher's later
 *   deletes join the hold.
 * - `allow-deletes` queues what is held, once. What the operator released is allowed to the pass
 *   that may be deciding the same deletes at that moment, so it does not hold them again.
 *
 * A vanished directory weighs as much as the entries recorded in it, itself included. Jobs with
 * `delete = "keep"` are never held: their deletes only forget state, and a source landing zone
 * that is emptied after ingest is their normal life.
 */
import type { JobConfig } from '../config/index.js';
import {
  deleteLimit,
  describeMaxDelete,
  holdsDeletes,
  parseMaxDelete,
  type MaxDelete,
} from '../core/delete-limits.js';
import type { Logger } from '../log.js';
import { BATCH_KINDS, batchesFor } from '../queue/payload.js';
import type { JobQueue } from '../queue/queue.js';
import {
  HOLDERS,
  type DeleteHolds,
  type FileStateStore,
  type HoldInfo,
  type Holder,
} from '../state/index.js';

export interface DeleteGateDeps {
  readonly job: JobConfig;
  readonly states: FileStateStore;
  readonly holds: DeleteHolds;
  readonly queue: JobQueue;
  readonly logger: Logger;
  /** True once the job stops: queueing stops waiting for room. */
  readonly stopped: () => boolean;
}

/** A recorded entry found gone. */
export interface GoneEntry {
  /** Text form of its relative path (`encodeRelPath`). */
  readonly path: string;
  readonly relPath: Uint8Array;
  readonly type: 'file' | 'dir';
}

export class DeleteGate {
  readonly #deps: DeleteGateDeps;
  readonly #max: MaxDelete;
  #pass = 0;
  /** Entries the job tracked when the running (or last) pass started. */
  #tracked: number | undefined;
  #candidates = { paths: 0, entries: 0 };
  /** Entries the watcher queued for deletion since the last pass started. */
  #burst = 0;

  constructor(deps: DeleteGateDeps) {
    this.#deps = deps;
    this.#max = parseMaxDelete(deps.job.max_delete);
  }

  async beginPass(pass: number): Promise<void> {
    await this.#deps.holds.beginPass();
    this.#pass = pass;
    this.#tracked = await this.#deps.states.trackedCount();
    this.#candidates = { paths: 0, entries: 0 };
    this.#burst = 0;
  }

  /** Adds deletes the running pass found; they wait for the end of its scan. */
  async consider(gone: readonly GoneEntry[]): Promise<void> {
    if (gone.length === 0) return;
    this.#candidates.entries += await this.#weigh(gone);
    this.#candidates.paths += gone.length;
    await this.#deps.holds.addCandidates(gone.map(({ path }) => path));
  }

  /**
   * The pass's scan is complete: queues its deletes, or holds them when they are more than
   * max_delete allows. Returns how many paths were queued.
   */
  async settlePass(): Promise<number> {
    const { holds, logger, job } = this.#deps;
    const allowance = await holds.takeAllowance();
    const { paths, entries } = this.#candidates;
    const tracked = this.#tracked ?? 0;
    if (paths > 0 && this.#guarded && holdsDeletes(this.#max, tracked, entries, allowance)) {
      const info = this.#info(HOLDERS.pass, paths, entries, tracked);
      const before = await holds.info();
      await holds.holdCandidates(info);
      // Every pass holds them again until they are released: said at warn once.
      const again = before?.entries === entries && before.paths === paths;
      logger[again ? 'info' : 'warn'](
        `job ${job.name} pass ${this.#pass}: ${paths} deletes held (${entries} entries of ${tracked} tracked, more than max_delete ${describeMaxDelete(this.#max)} allows: ${info.limit}); the rest of the pass goes on; irods-ingestctl allow-deletes ${job.name} releases them`,
        { job: job.name, pass: this.#pass, held: entries },
      );
      return 0;
    }
    for await (const page of holds.candidates()) await this.#queue(page);
    // A hold of earlier deletes is over: this pass found them (or not) and decided.
    await holds.clear();
    return paths;
  }

  /**
   * The pass's listing was not complete enough to decide deletes from: none of its candidates is
   * queued (the next complete pass finds them again), and the log says why.
   */
  skipPass(why: string): void {
    const { logger, job } = this.#deps;
    const { paths } = this.#candidates;
    logger.warn(
      `job ${job.name} pass ${this.#pass}: no deletes (${paths} found): ${why}; the next complete listing decides them`,
      { job: job.name, pass: this.#pass },
    );
  }

  /** The watcher's deletes: queued, or held when they would take the burst over the limit. */
  async admitWatched(gone: readonly GoneEntry[]): Promise<void> {
    if (gone.length === 0) return;
    const { holds, logger, job, states } = this.#deps;
    const entries = await this.#weigh(gone);
    const paths = gone.map(({ path }) => path);
    // What the job tracks now when it grew since the pass began: a first pass recording a new
    // tree, or files arriving under watch, make the burst a share of more than the pass saw.
    const tracked = Math.max(this.#tracked ?? 0, await states.trackedCount());
    const held = await holds.info();
    const over = holdsDeletes(this.#max, tracked, this.#burst + entries);
    if (!this.#guarded || (held === undefined && !over)) {
      this.#burst += entries;
      await this.#queue(paths);
      return;
    }
    await holds.holdMore(paths, this.#info(HOLDERS.watch, gone.length, entries, tracked));
    logger.warn(
      `job ${job.name}: watched deletes held: ${gone.length} path(s), ${entries} entries (${this.#burst + entries} since the last pass, of ${tracked} tracked; max_delete ${describeMaxDelete(this.#max)}); irods-ingestctl allow-deletes ${job.name} releases them`,
      { job: job.name, held: entries },
    );
  }

  /** allow-deletes: queues what is held, once. Returns what was held, or undefined if nothing. */
  async release(): Promise<HoldInfo | undefined> {
    const { holds, logger, job } = this.#deps;
    const info = await holds.info();
    if (info === undefined) return undefined;
    for await (const page of holds.held()) await this.#queue(page);
    await holds.released(info.entries);
    this.#burst = 0;
    logger.warn(
      `job ${job.name}: ${info.paths} held deletes (${info.entries} entries) released on request`,
      { job: job.name, released: info.entries },
    );
    return info;
  }

  /** Whether the job's deletes remove anything in iRODS, and so wait for max_delete. */
  get #guarded(): boolean {
    return this.#deps.job.delete !== 'keep';
  }

  held(): Promise<HoldInfo | undefined> {
    return this.#deps.holds.info();
  }

  /** Entries the deletes would remove: a directory with everything recorded in it. */
  async #weigh(gone: readonly GoneEntry[]): Promise<number> {
    let entries = 0;
    for (const entry of gone) {
      entries += 1;
      if (entry.type === 'dir') entries += await this.#deps.states.countTree(entry.relPath);
    }
    return entries;
  }

  #info(by: Holder, paths: number, entries: number, tracked: number): HoldInfo {
    // Without a limit for this size (a share of a small job) everything tracked may go.
    const limit = Math.min(deleteLimit(this.#max, tracked), tracked);
    return { entries, paths, limit, tracked, pass: this.#pass, at: Date.now(), by };
  }

  async #queue(paths: readonly string[]): Promise<void> {
    const { job, queue, stopped } = this.#deps;
    const owner = { name: job.name, filesPerTask: job.files_per_task };
    await queue.add(batchesFor(BATCH_KINDS.delete, owner, this.#pass, paths), stopped);
  }
}
