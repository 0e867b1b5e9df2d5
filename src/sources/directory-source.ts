/**
 * A directory tree as a job's source: the scan thread lists it (scan.ts), the job's stat thread
 * looks at a batch's entries (stat-thread.ts), and the workers read its files themselves.
 */
import { lstat, stat } from 'node:fs/promises';
import type { RootLook } from '../core/source-identity.js';
import { scanTree } from './scan.js';
import type { JobSource } from './source.js';
import { entryTypeOfMode } from './stat-facts.js';
import { StatThread } from './stat-thread.js';
import type { DirectoryChunk, ScanOptions } from './types.js';

export class DirectorySource implements JobSource {
  readonly deletesNeedWholeListing = false;
  readonly files = undefined;
  // One per job: a source on a hung mount stalls its own job only.
  readonly stats = new StatThread();
  readonly #root: string;

  constructor(root: string) {
    this.#root = root;
  }

  scan(options: ScanOptions): AsyncIterable<DirectoryChunk> {
    return scanTree(this.#root, options);
  }

  look(marker: string): Promise<RootLook> {
    return lookAtRoot(this.#root, marker);
  }

  close(): Promise<void> {
    return this.stats.close();
  }
}

/** The source root as a pass would see it (a symbolic link there is followed, as the scan does). */
async function lookAtRoot(source: string, marker: string): Promise<RootLook> {
  let info;
  try {
    info = await stat(source, { bigint: true });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'EIO';
    if (code === 'ENOENT' || code === 'ENOTDIR') return { kind: 'missing' };
    return { kind: 'unreadable', errno: code };
  }
  if (!info.isDirectory()) {
    return { kind: 'not-directory', type: entryTypeOfMode(Number(info.mode)) };
  }
  const markerMissing = marker !== '' && !(await exists(`${source}/${marker}`));
  return { kind: 'directory', identity: { dev: info.dev, ino: info.ino }, markerMissing };
}

/** Whether something is at `path`; what cannot be looked at counts as not there. */
async function exists(path: string): Promise<boolean> {
  try {
    await lstat(path);
    return true;
  } catch {
    return false;
  }
}
