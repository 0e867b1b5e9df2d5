/**
 * The watcher on chokidar 6: one inotify watch per directory, existing entries not reported (the
 * scanner makes the inventory), links not followed unless the job follows them, excluded paths
 * never watched. chokidar works on text paths; a name that is not valid UTF-8 reaches us with
 * U+FFFD in it, and such an event is passed on as an error so that a rescan (which reads names
 * as bytes) handles it.
 */
import { relative, sep } from 'node:path';
import { watch, type FSWatcher } from 'chokidar';
import type { TreeWatcher, WatchOptions, WatchSink } from './watcher.js';

export function watchWithChokidar(
  root: string,
  options: WatchOptions,
  sink: WatchSink,
): TreeWatcher {
  const { exclusion } = options;
  const relativeOf = (path: string) => relative(root, path).split(sep).join('/');
  const watcher: FSWatcher = watch(root, {
    ignoreInitial: true,
    followSymlinks: options.followSymlinks,
    ignorePermissionErrors: false,
    atomic: false,
    ignored: (path, stats) => {
      if (!exclusion.usesPaths || path === root) return false;
      return exclusion.excludesPath(relativeOf(path), stats?.isDirectory() ?? false);
    },
  });
  const forward = (directory: boolean, removed: boolean) => (path: string) => {
    const relPath = relativeOf(path);
    if (relPath === '' || relPath.startsWith('..')) return;
    if (relPath.includes('\uFFFD')) {
      sink.error(new Error(`a name that is not valid UTF-8 changed under ${root}`));
      return;
    }
    sink.event({ relPath, directory, removed });
  };
  watcher.on('add', forward(false, false));
  watcher.on('change', forward(false, false));
  watcher.on('unlink', forward(false, true));
  watcher.on('addDir', forward(true, false));
  watcher.on('unlinkDir', forward(true, true));
  watcher.on('error', (error) =>
    sink.error(error instanceof Error ? error : new Error(String(error))),
  );
  const ready = new Promise<void>((resolve) => watcher.once('ready', () => resolve()));
  return {
    ready,
    watchedDirectories: () => Object.keys(watcher.getWatched()).length,
    close: () => watcher.close(),
  };
}
