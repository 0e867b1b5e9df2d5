/**
 * The watcher seam: what the orchestrator needs from a live change feed on a source tree. The
 * chokidar implementation is one; another (watchman, fanotify) only has to honour this.
 *
 * A watcher is a latency aid, never the source of truth: it may lose events (the kernel drops
 * them on queue overflow without telling anyone), so the job's rescans still run.
 */
import type { Exclusion } from './exclude.js';

export interface WatchEvent {
  /** Path relative to the source root, as text (a watcher built on strings cannot carry bytes). */
  readonly relPath: string;
  /** The event is about a directory. */
  readonly directory: boolean;
  /** The entry was removed (or renamed away). */
  readonly removed: boolean;
}

export interface WatchSink {
  event(event: WatchEvent): void;
  /** Events may have been lost: the caller rescans. */
  error(error: Error): void;
}

export interface WatchOptions {
  readonly exclusion: Exclusion;
  readonly followSymlinks: boolean;
}

export interface TreeWatcher {
  /** Resolves once the whole tree is watched (existing entries are not reported). */
  readonly ready: Promise<void>;
  /** Directories being watched: one inotify watch each. */
  watchedDirectories(): number;
  close(): Promise<void>;
}

export type WatcherFactory = (root: string, options: WatchOptions, sink: WatchSink) => TreeWatcher;
