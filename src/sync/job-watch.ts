/**
 * A job's watcher: whether it may watch (planWatch: network filesystem, inotify budget), the
 * watcher itself, and the feed that turns its events into work. Anything that means events may
 * have been lost (a watcher error, a name it cannot carry, the feed failing to act, a burst that
 * may have overflowed the kernel's event queue and left entries unknown: watch-audit.ts) asks
 * the job for a rescan; a watcher that cannot go on (the inotify budget ran out under it) is
 * closed and the job continues on rescans alone.
 */
import { getuid } from 'node:process';
import { excludeGlobs } from '../core/job-rules.js';
import { ADVISED_QUEUED_EVENTS, overflowPossibleAt, planWatch } from '../core/watch-rules.js';
import { watchWithChokidar } from '../sources/chokidar-watcher.js';
import { compileExclusion } from '../sources/exclude.js';
import { readQueuedEventsLimit, readWatchLimit, watchesInUse } from '../sources/inotify.js';
import { filesystemTypeOf } from '../sources/mounts.js';
import type { TreeWatcher, WatcherFactory } from '../sources/watcher.js';
import type { FailureStore } from '../state/index.js';
import { WATCHER_STATES, type WatcherStatus } from '../core/job-status.js';
import { WatchAudit } from './watch-audit.js';
import { WatchFeed, type WatchFeedDeps } from './watch-feed.js';

/** The kernel's queue size assumed when /proc does not say: its default. */
const DEFAULT_QUEUED_EVENTS = 16_384;

/**
 * The feed's needs, less what the watch makes itself (the exclusion, the audit, where lost events
 * go).
 */
export interface JobWatchDeps extends Omit<WatchFeedDeps, 'exclusion' | 'lost' | 'audit'> {
  /** The failure list, which the audit counts as known entries. */
  readonly failures: FailureStore;
  /** Asks the job for a rescan: events may have been lost. */
  readonly rescan: (why: string) => void;
  readonly factory?: WatcherFactory;
}

export class JobWatch {
  readonly #deps: JobWatchDeps;
  #status: WatcherStatus = { state: WATCHER_STATES.off, watches: 0 };
  #watcher: TreeWatcher | undefined;
  #feed: WatchFeed | undefined;
  #closed = false;

  constructor(deps: JobWatchDeps) {
    this.#deps = deps;
  }

  get active(): boolean {
    return this.#watcher !== undefined;
  }

  status(): WatcherStatus {
    const watches = this.#watcher?.watchedDirectories() ?? 0;
    return { ...this.#status, watches };
  }

  /**
   * Starts watching when the job may, for a tree of `directories` directories; resolves once the
   * watcher is ready. When it may not, says why once (and again whenever the reason changes).
   */
  async start(directories: number): Promise<void> {
    const { job, logger } = this.#deps;
    if (this.#watcher !== undefined || this.#closed) return;
    const limit = await readWatchLimit();
    const plan = planWatch({
      forced: job.watch === 'force',
      fsType: await filesystemTypeOf(job.source),
      directories,
      limit,
      inUse: await watchesInUse(getuid?.() ?? 0),
    });
    if (!plan.watch) {
      if (this.#status.reason !== plan.reason) {
        logger.warn(`job ${job.name}: not watching, rescans only: ${plan.reason}`, {
          job: job.name,
        });
      }
      this.#status = { state: WATCHER_STATES.rescanOnly, reason: plan.reason, watches: 0, limit };
      return;
    }
    const queueLimit = await readQueuedEventsLimit();
    const eventQueue =
      queueLimit !== undefined && queueLimit < ADVISED_QUEUED_EVENTS
        ? { eventQueue: { limit: queueLimit, advised: ADVISED_QUEUED_EVENTS } }
        : {};
    if (eventQueue.eventQueue !== undefined && this.#status.eventQueue === undefined) {
      logger.warn(
        `job ${job.name}: fs.inotify.max_queued_events is ${queueLimit}: a burst of new files fills it within a second, so a stall of the daemon loses events (then found by a rescan); ${ADVISED_QUEUED_EVENTS} is advised (etc/sysctl.d/90-irods-ingest-inotify.conf)`,
        { job: job.name },
      );
    }
    this.#status = { state: WATCHER_STATES.starting, watches: 0, limit, ...eventQueue };
    const exclusion = compileExclusion(
      excludeGlobs(job.exclude, job.source_marker),
      job.exclude_types,
    );
    const lost = (why: string) => this.#deps.rescan(why);
    const audit = new WatchAudit({
      source: job.source,
      states: this.#deps.states,
      failures: this.#deps.failures,
      exclusion,
      threshold: overflowPossibleAt(queueLimit ?? DEFAULT_QUEUED_EVENTS),
      lost,
    });
    const feed = new WatchFeed({ ...this.#deps, exclusion, lost, audit });
    const factory = this.#deps.factory ?? watchWithChokidar;
    const watcher = factory(
      job.source,
      { exclusion, followSymlinks: job.follow_symlinks },
      { event: (event) => feed.note(event), error: (error) => this.#failed(error) },
    );
    this.#feed = feed;
    this.#watcher = watcher;
    const started = performance.now();
    await watcher.ready;
    if (this.#watcher !== watcher) return;
    const readyMs = Math.round(performance.now() - started);
    this.#status = { state: WATCHER_STATES.watching, watches: 0, limit, ...eventQueue };
    logger.info(
      `job ${job.name}: watching ${job.source} (${watcher.watchedDirectories()} directories, ready in ${readyMs} ms, settle ${job.settle} ms)`,
      { job: job.name, readyMs, directories: watcher.watchedDirectories() },
    );
  }

  /** Whether the watcher is still deciding about `path` (WatchFeed.decides). */
  decides(path: string): boolean {
    return this.#feed?.decides(path) ?? false;
  }

  async close(): Promise<void> {
    this.#closed = true;
    await this.#stop();
  }

  async #stop(): Promise<void> {
    const watcher = this.#watcher;
    const feed = this.#feed;
    this.#watcher = undefined;
    this.#feed = undefined;
    await watcher?.close();
    await feed?.close();
  }

  #failed(error: Error): void {
    const { job, logger } = this.#deps;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOSPC' || code === 'EMFILE') {
      // The kernel refused more watches: part of the tree is unwatched, so watch none of it.
      const reason = `the watcher ran out of inotify resources (${code}): ${error.message}`;
      logger.warn(`job ${job.name}: not watching, rescans only: ${reason}`, { job: job.name });
      this.#status = { ...this.#status, state: WATCHER_STATES.rescanOnly, reason };
      void this.#stop();
    } else {
      logger.warn(`job ${job.name}: watcher: ${error.message}; rescanning`, { job: job.name });
      this.#status = { ...this.#status, reason: error.message };
    }
    this.#deps.rescan(`watcher error: ${error.message}`);
  }
}
