/**
 * The synchronous tree walk that runs inside the scan thread. Synchronous readdir and lstat off
 * the main thread are 3-8x faster than Node's promise-based calls (research/perf-limits.md §1),
 * and blocking is harmless in a thread of its own.
 *
 * Directories are walked depth first: all chunks of a directory, then each of its subdirectories
 * in listing order. Only the listing of the directory being read and the names of the
 * subdirectories still to visit on the current path are held, never the tree.
 */
import {
  closeSync,
  constants,
  lstatSync,
  openSync,
  readdirSync,
  readlinkSync,
  statSync,
  type BigIntStats,
} from 'node:fs';
import type { EntryType, ObservedEntry } from '../core/entry.js';
import { childText, type Exclusion } from './exclude.js';
import type { DirectoryChunk, ScanFailure } from './types.js';

export interface WalkOptions {
  readonly exclusion: Exclusion;
  readonly followSymlinks: boolean;
  readonly chunkSize: number;
}

/** Receives each chunk as soon as it is complete; may block (that is the back-pressure). */
export type ChunkSink = (chunk: DirectoryChunk) => void;

/** A directory still to be listed. */
interface PendingDirectory {
  readonly abs: Buffer;
  readonly rel: Uint8Array;
  /** Its path as globs see it; empty when there are no globs. */
  readonly text: string;
  /** `dev:ino`, to recognise a followed link that leads back to a directory on the path. */
  readonly id: string;
}

/** The parts of a chunk filled while its entries are observed. */
interface ChunkParts {
  readonly entries: ObservedEntry[];
  readonly excludedNames: Uint8Array[];
  readonly failures: ScanFailure[];
}

const SLASH = Buffer.from('/');
const EMPTY = new Uint8Array(0);
const DIRECTORY_OPEN_FLAGS = constants.O_RDONLY | constants.O_DIRECTORY;

/**
 * Walks the tree under `root`, handing every chunk to `sink`. Returns undefined when the walk
 * finished, or why the root itself could not be listed (nothing was handed to `sink` then).
 */
export function walkTree(
  root: string,
  options: WalkOptions,
  sink: ChunkSink,
): ScanFailure | undefined {
  // The root is a configured path: a symbolic link there is how the operator named the source.
  const abs = Buffer.from(root.length > 1 ? root.replace(/\/+$/, '') : root);
  let stats: BigIntStats;
  let names: Buffer[];
  try {
    stats = statSync(abs, { bigint: true });
    if (!stats.isDirectory()) {
      return {
        relPath: EMPTY,
        errno: 'ENOTDIR',
        syscall: 'stat',
        message: `${root} is not a directory`,
      };
    }
    names = readdirSync(abs, { encoding: 'buffer' });
  } catch (error) {
    return failureOf(EMPTY, error);
  }
  // With "/" as root, children are joined as "" + "/" + name.
  const base = root === '/' ? Buffer.alloc(0) : abs;
  new Walker(options, sink).walk({ abs: base, rel: EMPTY, text: '', id: idOf(stats) }, names);
  return undefined;
}

class Walker {
  readonly #options: WalkOptions;
  readonly #sink: ChunkSink;
  /** Identities of the directories on the current path, root included. */
  readonly #ancestors = new Set<string>();

  constructor(options: WalkOptions, sink: ChunkSink) {
    this.#options = options;
    this.#sink = sink;
  }

  /** Reports `dir` from its listing `names` (which it empties), then walks its subdirectories. */
  walk(dir: PendingDirectory, names: Buffer[]): void {
    this.#ancestors.add(dir.id);
    const subdirectories: PendingDirectory[] = [];
    const { chunkSize } = this.#options;
    for (let start = 0; start === 0 || start < names.length; start += chunkSize) {
      const parts: ChunkParts = { entries: [], excludedNames: [], failures: [] };
      const end = Math.min(start + chunkSize, names.length);
      for (let i = start; i < end; i++) this.#observe(dir, names[i]!, parts, subdirectories);
      this.#sink({
        dir: dir.rel,
        ...parts,
        excluded: parts.excludedNames.length,
        final: end === names.length,
        complete: true,
      });
    }
    // The listing is not needed below this point; emptying it lets a huge directory's names be
    // collected while the walk is deep in its subdirectories.
    names.length = 0;
    for (const subdirectory of subdirectories) this.#descend(subdirectory);
    this.#ancestors.delete(dir.id);
  }

  /**
   * Lists a subdirectory that its parent's chunk already reported. The parent's probe opened it,
   * so a failure here is a race with whoever changed it since: a directory that is gone now is
   * simply gone; one that turned unreadable is reported as its own incomplete chunk, because its
   * parent's chunks have been delivered already.
   */
  #descend(dir: PendingDirectory): void {
    let names: Buffer[];
    try {
      names = readdirSync(dir.abs, { encoding: 'buffer' });
    } catch (error) {
      if (isGone(error)) return;
      this.#sink({
        dir: dir.rel,
        entries: [],
        excluded: 0,
        excludedNames: [],
        failures: [failureOf(dir.rel, error)],
        final: true,
        complete: false,
      });
      return;
    }
    this.walk(dir, names);
  }

  #observe(
    dir: PendingDirectory,
    name: Buffer,
    parts: ChunkParts,
    subdirectories: PendingDirectory[],
  ): void {
    const abs = Buffer.concat([dir.abs, SLASH, name]);
    const rel = childRelPath(dir.rel, name);
    const { exclusion } = this.#options;
    let seen: Sighting | undefined;
    try {
      seen = this.#look(abs);
    } catch (error) {
      if (!isGone(error)) parts.failures.push(failureOf(rel, error));
      return;
    }
    if (seen === undefined) return;

    const { stats, type } = seen;
    const text = exclusion.usesPaths ? childText(dir.text, name) : '';
    if (exclusion.excludesType(type) || exclusion.excludesPath(text, type === 'dir')) {
      parts.excludedNames.push(new Uint8Array(name));
      return;
    }
    if (type === 'dir') {
      const id = idOf(stats);
      const failure = this.#ancestors.has(id) ? loopFailure(rel) : probeDirectory(abs, rel);
      if (failure === 'gone') return;
      if (failure !== undefined) {
        parts.failures.push(failure);
        return;
      }
      subdirectories.push({ abs, rel, text, id });
    }
    parts.entries.push(entryOf(rel, seen));
  }

  /** lstat, and for a link either what it leads to (when followed) or where it points. */
  #look(abs: Buffer): Sighting | undefined {
    const stats = lstatSync(abs, { bigint: true, throwIfNoEntry: false });
    if (stats === undefined) return undefined;
    const type = typeOf(stats);
    if (type !== 'symlink' || this.#options.exclusion.excludesType('symlink')) {
      return { stats, type };
    }
    if (this.#options.followSymlinks) {
      const target = statTarget(abs);
      if (target !== undefined) return { stats: target, type: typeOf(target) };
    }
    return { stats, type, linkTarget: new Uint8Array(readlinkSync(abs, { encoding: 'buffer' })) };
  }
}

/** What one look at an entry found. */
interface Sighting {
  readonly stats: BigIntStats;
  readonly type: EntryType;
  readonly linkTarget?: Uint8Array;
}

/** What a link leads to, or undefined when it dangles (reported as a link, as find -L does). */
function statTarget(abs: Buffer): BigIntStats | undefined {
  try {
    return statSync(abs, { bigint: true, throwIfNoEntry: false });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOTDIR') return undefined;
    throw error;
  }
}

function loopFailure(relPath: Uint8Array): ScanFailure {
  return {
    relPath,
    errno: 'ELOOP',
    syscall: 'stat',
    message: 'symbolic link leads back to a directory on its own path; not followed',
  };
}

/**
 * Opens and closes a directory, so that one the walk could not list is reported as a failure in
 * its parent's chunk, before the parent's listing is handed on as if the child were fine.
 */
function probeDirectory(abs: Buffer, rel: Uint8Array): ScanFailure | 'gone' | undefined {
  try {
    closeSync(openSync(abs, DIRECTORY_OPEN_FLAGS));
    return undefined;
  } catch (error) {
    return isGone(error) ? 'gone' : failureOf(rel, error);
  }
}

function entryOf(relPath: Uint8Array, { stats, type, linkTarget }: Sighting): ObservedEntry {
  const entry: ObservedEntry = {
    relPath,
    type,
    size: type === 'file' ? Number(stats.size) : 0,
    mtimeNs: stats.mtimeNs,
    ctimeNs: stats.ctimeNs,
    ino: stats.ino,
    dev: stats.dev,
    mode: Number(stats.mode),
  };
  return linkTarget === undefined ? entry : { ...entry, linkTarget };
}

function typeOf(stats: BigIntStats): EntryType {
  if (stats.isFile()) return 'file';
  if (stats.isDirectory()) return 'dir';
  if (stats.isSymbolicLink()) return 'symlink';
  if (stats.isFIFO()) return 'fifo';
  if (stats.isSocket()) return 'socket';
  if (stats.isCharacterDevice()) return 'char';
  return 'block';
}

function idOf(stats: BigIntStats): string {
  return `${stats.dev}:${stats.ino}`;
}

/** A fresh array (a name Buffer may be a view on a larger one, which messages would copy whole). */
function childRelPath(dir: Uint8Array, name: Buffer): Uint8Array {
  if (dir.length === 0) return new Uint8Array(name);
  const out = new Uint8Array(dir.length + 1 + name.length);
  out.set(dir, 0);
  out[dir.length] = 0x2f;
  out.set(name, dir.length + 1);
  return out;
}

/** Removed (or replaced by a non-directory) between listing and looking: not a failure. */
function isGone(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

function failureOf(relPath: Uint8Array, error: unknown): ScanFailure {
  const { code, syscall, message } = error as NodeJS.ErrnoException;
  return { relPath, errno: code ?? 'EUNKNOWN', syscall: syscall ?? 'unknown', message };
}
