/**
 * The synchronous tree walk that runs inside the scan thread. Synchronous readdir and lstat off
 * the main thread are 3-8x faster than Node's promise-based calls (research/perf-limits.md §1),
 * and blocking is harmless in a thread of its own.
 *
 * Directories are walked depth first: all chunks of a directory, then each of its subdirectories
 * in listing order. Only the listing of the directory being read and the names of the
 * subdirectories still to visit on the current path are held, never the tree.
 *
 * Paths are JavaScript strings as long as every name on them is valid UTF-8: strings are what
 * Node's fs calls take most cheaply, and they need no joining of buffers. A directory whose
 * listing holds a name that is not (Node then shows U+FFFD in its place) is listed again as raw
 * bytes, and it and everything below it is walked with Buffer paths, so that every name reaches
 * the file system and the consumer byte for byte.
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
import type { EntryType } from '../core/entry.js';
import { isGoneError } from '../core/gone.js';
import { EntryWriter } from './entry-codec.js';
import { entryTypeOfMode, type StatFacts } from './stat-facts.js';
import { childText, type Exclusion } from './exclude.js';
import { HELPER_CAPACITY, type Prefetched, type StatHelper } from './stat-helper.js';
import type { DirectoryChunk, ScanFailure } from './types.js';

export interface WalkOptions {
  readonly exclusion: Exclusion;
  readonly followSymlinks: boolean;
  readonly chunkSize: number;
  /** Stats part of each listing on a second thread while the walk stats the rest. */
  readonly helper?: StatHelper;
}

/** Fewer names than this are not worth a hand-over to the helper. */
const PREFETCH_MIN = 16;

/** A chunk as the walk delivers it: its entries packed in the form of entry-codec.ts. */
export interface PackedChunk extends Omit<DirectoryChunk, 'entries'> {
  readonly entries: ArrayBuffer;
}

/** Receives each chunk as soon as it is complete; may block (that is the back-pressure). */
export type ChunkSink = (chunk: PackedChunk) => void;

/** A directory still to be listed. */
interface PendingDirectory {
  /** Its absolute path: text while every name on it is UTF-8, bytes below one that is not. */
  readonly abs: string | Buffer;
  /** Its path relative to the root, as text exactly when `abs` is. */
  readonly rel: string | Uint8Array;
  /** Its path as globs see it; empty when there are no globs. */
  readonly text: string;
  /** `dev:ino`, to recognise a followed link that leads back to a directory on the path. */
  readonly id: string;
}

/** The parts of a chunk filled while its entries are observed, besides the packed entries. */
interface ChunkParts {
  readonly excludedNames: Uint8Array[];
  readonly failures: ScanFailure[];
}

const SLASH = Buffer.from('/');
const EMPTY = new Uint8Array(0);
const REPLACEMENT = '\ufffd';
const DIRECTORY_OPEN_FLAGS = constants.O_RDONLY | constants.O_DIRECTORY;
const BIGINT_STATS = { bigint: true, throwIfNoEntry: false } as const;
const utf8 = new TextEncoder();

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
  const abs = root.length > 1 ? root.replace(/\/+$/, '') : root;
  let stats: BigIntStats;
  let names: string[] | Buffer[];
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
    names = list(abs);
  } catch (error) {
    return failureOf(EMPTY, error);
  }
  // With "/" as root, children are joined as "" + "/" + name.
  const base = root === '/' ? '' : abs;
  new Walker(options, sink).walk({ abs: base, rel: '', text: '', id: idOf(stats) }, names);
  return undefined;
}

class Walker {
  readonly #options: WalkOptions;
  readonly #sink: ChunkSink;
  readonly #writer = new EntryWriter();
  /** Identities of the directories on the current path, root included. */
  readonly #ancestors = new Set<string>();

  constructor(options: WalkOptions, sink: ChunkSink) {
    this.#options = options;
    this.#sink = sink;
  }

  /** Reports `dir` from its listing `names` (which it empties), then walks its subdirectories. */
  walk(listed: PendingDirectory, names: string[] | Buffer[]): void {
    // A text directory listed as bytes (a name in it is not UTF-8) continues in bytes.
    const dir = names.length > 0 && typeof names[0] !== 'string' ? inBytes(listed) : listed;
    this.#ancestors.add(dir.id);
    const subdirectories: PendingDirectory[] = [];
    const relPath = bytesOf(dir.rel);
    const { chunkSize } = this.#options;
    for (let start = 0; start === 0 || start < names.length; start += chunkSize) {
      const parts: ChunkParts = { excludedNames: [], failures: [] };
      const end = Math.min(start + chunkSize, names.length);
      // The helper stats the range from the back while the walk observes it from the front.
      const ready = this.#options.helper?.ready === true && end - start >= PREFETCH_MIN;
      const helper = ready ? this.#options.helper : undefined;
      const paths = names.slice(start, end).map((name) => childAbs(dir, name));
      const offered = helper ? Math.max(0, paths.length - HELPER_CAPACITY) : paths.length;
      helper?.prefetch(paths.slice(offered));
      let i = 0;
      for (; i < paths.length && (i < offered || helper?.claim(i - offered) === true); i++) {
        this.#observe(dir, names[start + i]!, paths[i]!, parts, subdirectories);
      }
      const prefetched = helper?.collect(i - offered) ?? [];
      for (let j = i; j < paths.length; j++) {
        const answer = prefetched[j - i];
        this.#observe(dir, names[start + j]!, paths[j]!, parts, subdirectories, answer);
      }
      this.#sink({
        dir: relPath,
        entries: this.#writer.take(),
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
    let names: string[] | Buffer[];
    try {
      names = list(dir.abs);
    } catch (error) {
      if (isGoneError(error)) return;
      const relPath = bytesOf(dir.rel);
      this.#sink({
        dir: relPath,
        entries: new ArrayBuffer(0),
        excluded: 0,
        excludedNames: [],
        failures: [failureOf(relPath, error)],
        final: true,
        complete: false,
      });
      return;
    }
    this.walk(dir, names);
  }

  /** `abs`: childAbs of `name`; `prefetched`: the helper's lstat of it, if it made one. */
  #observe(
    dir: PendingDirectory,
    name: string | Buffer,
    abs: string | Buffer,
    parts: ChunkParts,
    subdirectories: PendingDirectory[],
    prefetched?: Prefetched,
  ): void {
    if (prefetched === 'gone') return;
    const { exclusion } = this.#options;
    let rel: string | Uint8Array;
    let text = '';
    if (typeof name === 'string') {
      rel = dir.rel === '' ? name : `${dir.rel as string}/${name}`;
      if (exclusion.usesPaths) text = rel;
    } else {
      rel = childRelPath(dir.rel as Uint8Array, name);
      if (exclusion.usesPaths) text = childText(dir.text, name);
    }
    let stats: StatFacts | undefined;
    let type: EntryType;
    let link: Uint8Array | undefined;
    try {
      stats = prefetched ?? lstatSync(abs, BIGINT_STATS);
      if (stats === undefined) return;
      type = entryTypeOfMode(Number(stats.mode));
      if (type === 'symlink' && !exclusion.excludesType('symlink')) {
        const target = this.#options.followSymlinks ? statTarget(abs) : undefined;
        if (target === undefined) link = readlinkSync(abs, { encoding: 'buffer' });
        else [stats, type] = [target, entryTypeOfMode(Number(target.mode))];
      }
    } catch (error) {
      if (!isGoneError(error)) parts.failures.push(failureOf(bytesOf(rel), error));
      return;
    }

    if (exclusion.excludesType(type) || exclusion.excludesPath(text, type === 'dir')) {
      parts.excludedNames.push(bytesOf(name));
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
    this.#writer.add(stats, type, rel, link);
  }
}

/** The absolute path of `name` in `dir`. */
function childAbs(dir: PendingDirectory, name: string | Buffer): string | Buffer {
  // A text name is listed only in a directory whose paths are text.
  return typeof name === 'string'
    ? `${dir.abs as string}/${name}`
    : Buffer.concat([dir.abs as Buffer, SLASH, name]);
}

/** Lists `abs` as text, or as bytes when a name in it is not UTF-8 (see the header). */
function list(abs: string | Buffer): string[] | Buffer[] {
  if (typeof abs !== 'string') return readdirSync(abs, { encoding: 'buffer' });
  const names = readdirSync(abs);
  for (const name of names) {
    // U+FFFD stands in for bytes that are not UTF-8 (or is one, which bytes keep just as well).
    if (name.includes(REPLACEMENT)) return readdirSync(abs, { encoding: 'buffer' });
  }
  return names;
}

/** The same directory with its paths as bytes. */
function inBytes(dir: PendingDirectory): PendingDirectory {
  if (typeof dir.abs !== 'string') return dir;
  return { ...dir, abs: Buffer.from(dir.abs), rel: bytesOf(dir.rel) };
}

/** A fresh array (a Buffer may be a view on a larger one, which messages would copy whole). */
function bytesOf(path: string | Uint8Array): Uint8Array {
  return typeof path === 'string' ? utf8.encode(path) : new Uint8Array(path);
}

/** What a link leads to, or undefined when it dangles (reported as a link, as find -L does). */
function statTarget(abs: string | Buffer): BigIntStats | undefined {
  try {
    return statSync(abs, BIGINT_STATS);
  } catch (error) {
    if (isGoneError(error)) return undefined;
    throw error;
  }
}

function loopFailure(relPath: string | Uint8Array): ScanFailure {
  return {
    relPath: bytesOf(relPath),
    errno: 'ELOOP',
    syscall: 'stat',
    message: 'symbolic link leads back to a directory on its own path; not followed',
  };
}

/**
 * Opens and closes a directory, so that one the walk could not list is reported as a failure in
 * its parent's chunk, before the parent's listing is handed on as if the child were fine.
 */
function probeDirectory(
  abs: string | Buffer,
  rel: string | Uint8Array,
): ScanFailure | 'gone' | undefined {
  try {
    closeSync(openSync(abs, DIRECTORY_OPEN_FLAGS));
    return undefined;
  } catch (error) {
    return isGoneError(error) ? 'gone' : failureOf(bytesOf(rel), error);
  }
}

function idOf(stats: StatFacts): string {
  return `${stats.dev}:${stats.ino}`;
}

function childRelPath(dir: Uint8Array, name: Buffer): Uint8Array {
  if (dir.length === 0) return new Uint8Array(name);
  const out = new Uint8Array(dir.length + 1 + name.length);
  out.set(dir, 0);
  out[dir.length] = 0x2f;
  out.set(name, dir.length + 1);
  return out;
}

function failureOf(relPath: Uint8Array, error: unknown): ScanFailure {
  const { code, syscall, message } = error as NodeJS.ErrnoException;
  return { relPath, errno: code ?? 'EUNKNOWN', syscall: syscall ?? 'unknown', message };
}
