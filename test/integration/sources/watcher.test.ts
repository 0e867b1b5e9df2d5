/**
 * The chokidar watcher behind the watcher seam, on a real tree: events as relative text paths,
 * nothing for what existed before it was ready, nothing from excluded paths, one watch per
 * directory.
 */
import assert from 'node:assert/strict';
import { appendFile, mkdir, mkdtemp, rm, rmdir, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { watchWithChokidar } from '../../../src/sources/chokidar-watcher.js';
import { compileExclusion } from '../../../src/sources/exclude.js';
import type { TreeWatcher, WatchEvent } from '../../../src/sources/watcher.js';
import { eventually } from '../../helpers/eventually.js';

describe('the chokidar watcher', () => {
  let root: string;
  let watcher: TreeWatcher;
  const events: WatchEvent[] = [];
  const errors: Error[] = [];

  function seen(match: (e: WatchEvent) => boolean): Promise<WatchEvent> {
    return eventually(
      () => `the event; got ${JSON.stringify(events)}`,
      () => events.find(match),
      { timeoutMs: 5_000, intervalMs: 50 },
    );
  }

  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'watcher-'));
    await mkdir(join(root, 'a/b'), { recursive: true });
    await mkdir(join(root, 'cache'));
    await writeFile(join(root, 'a/old.txt'), 'old');
    watcher = watchWithChokidar(
      root,
      { exclusion: compileExclusion(['**/*.tmp', 'cache/'], []), followSymlinks: false },
      { event: (e) => events.push(e), error: (e) => errors.push(e) },
    );
    await watcher.ready;
  });

  after(async () => {
    await watcher.close();
    await rm(root, { recursive: true, force: true });
  });

  it('reports nothing of what existed before it was ready, and watches each directory', () => {
    assert.deepEqual(events, []);
    // root, a, a/b; the excluded cache/ is not watched.
    assert.ok(watcher.watchedDirectories() >= 3, `${watcher.watchedDirectories()} watched`);
    assert.ok(watcher.watchedDirectories() <= 5, `${watcher.watchedDirectories()} watched`);
  });

  it('reports files and directories added, changed and removed, by relative path', async () => {
    await writeFile(join(root, 'a/b/new.txt'), 'new');
    await seen((e) => e.relPath === 'a/b/new.txt' && !e.removed && !e.directory);
    await appendFile(join(root, 'a/old.txt'), '+');
    await seen((e) => e.relPath === 'a/old.txt' && !e.removed);
    await mkdir(join(root, 'd'));
    await seen((e) => e.relPath === 'd' && e.directory && !e.removed);
    await unlink(join(root, 'a/old.txt'));
    await seen((e) => e.relPath === 'a/old.txt' && e.removed && !e.directory);
    await rmdir(join(root, 'd'));
    await seen((e) => e.relPath === 'd' && e.directory && e.removed);
  });

  it('says nothing about excluded paths', async () => {
    await writeFile(join(root, 'a/skip.tmp'), 'x');
    await writeFile(join(root, 'cache/c.bin'), 'x');
    await writeFile(join(root, 'marker'), 'x');
    await seen((e) => e.relPath === 'marker');
    assert.deepEqual(
      events.filter((e) => e.relPath.endsWith('.tmp') || e.relPath.startsWith('cache')),
      [],
    );
    assert.deepEqual(errors, []);
  });
});
