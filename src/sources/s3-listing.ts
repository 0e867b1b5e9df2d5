/**
 * `listS3Tree`: the listing of an S3 source as the same directory chunks a tree scan delivers, so
 * that a pass compares, queues and decides deletes the same way for both.
 *
 * A "directory" is a key prefix ending in `/`. Each one is listed with ListObjectsV2 and the
 * delimiter `/`, page after page; its common prefixes are its subdirectories. Listing one
 * prefix is sequential (each page names the next), so the fan-out is over prefixes: up to
 * `concurrency` directories are listed at once, each at most `pagesAhead` pages ahead of the
 * consumer. Chunks come out one whole directory after another, as the pass needs them. Listing
 * goes on up to DIRS_AHEAD_PER_SLOT x concurrency directories past the one being consumed, so
 * one slow page holds up one slot, not the fan-out; memory stays bounded by that many
 * directories of pagesAhead pages however large the bucket, and a flat prefix of millions of
 * keys simply streams page by page.
 *
 * A page that cannot be read (after the SDK's retries) ends its directory's listing incomplete,
 * with the failure on the chunk: nothing in it is taken for gone, and what lies in the pages
 * after it is not listed. A failure of the source's own prefix fails the listing.
 *
 * Keys become relative paths through core/s3-keys.ts. A key equal to its directory's prefix
 * (`dir/`, a "folder" marker of S3 consoles) is the directory itself when empty. Some stores
 * (s3rver) repeat common prefixes on every page: each directory's are taken once.
 */
import { constants } from 'node:fs';
import type { ObservedEntry } from '../core/entry.js';
import { joinRelPath } from '../core/entry.js';
import { LruSet } from '../core/lru-set.js';
import { escapeElement, etagFingerprint, lastModifiedNs } from '../core/s3-keys.js';
import { compileExclusion, type Exclusion } from './exclude.js';
import { PageChannel } from './page-channel.js';
import { S3SourceError, describeS3Failure } from './s3-errors.js';
import type { DirectoryChunk, ScanFailure } from './types.js';

/** One object of a listing page. */
export interface ListedObject {
  readonly key: string;
  readonly size: number;
  readonly etag: string;
  readonly lastModified: Date;
}

/** One page of a delimiter listing, as ListObjectsV2 answers it. */
export interface ListPage {
  readonly objects: readonly ListedObject[];
  /** Common prefixes, each ending in `/`. */
  readonly prefixes: readonly string[];
  /** The continuation token of the next page; undefined on the last one. */
  readonly next: string | undefined;
}

/** Reads one page of the delimiter listing of `prefix`. */
export type PageSource = (prefix: string, token: string | undefined) => Promise<ListPage>;

export interface S3ListOptions {
  /** Globs on the key relative to the job's prefix. */
  readonly exclude: readonly string[];
  /** Where the source is, for messages: `s3://bucket/prefix`. */
  readonly source: string;
  /** Directories listed at once. @defaultValue LIST_CONCURRENCY */
  readonly concurrency?: number;
  /** Pages a directory may be listed ahead of the consumer. @defaultValue PAGES_AHEAD */
  readonly pagesAhead?: number;
}

export const LIST_CONCURRENCY = 16;
const PAGES_AHEAD = 4;
/**
 * Directories that may be listed ahead of the consumer, per listing slot. With one (the first
 * version), a directory waiting on a slow page kept the next ones from starting: through 20 ms of
 * added latency the listing reached 2.3-2.5x a sequential loop, not the 16x its slots allow.
 */
const DIRS_AHEAD_PER_SLOT = 4;
/** Object names per directory remembered to tell an object from a prefix of the same name. */
const NAMES_REMEMBERED = 100_000;
const FILE_MODE = constants.S_IFREG | 0o444;
const DIR_MODE = constants.S_IFDIR | 0o555;
const encoder = new TextEncoder();

/** A directory of the listing. */
interface Listed {
  readonly relPath: Uint8Array;
  readonly keyPrefix: string;
  /** Its key relative to the job's prefix, without the trailing `/`: what globs see. */
  readonly text: string;
  readonly chunks: PageChannel<DirectoryChunk>;
}

/** The entry of a listed object at `relPath`: a file whose inode is its ETag's fingerprint. */
function objectEntry(relPath: Uint8Array, object: Omit<ListedObject, 'key'>): ObservedEntry {
  const mtimeNs = lastModifiedNs(object.lastModified);
  return {
    relPath,
    type: 'file',
    size: object.size,
    mtimeNs,
    ctimeNs: mtimeNs,
    ino: etagFingerprint(object.etag),
    dev: 0n,
    mode: FILE_MODE,
  };
}

function directoryEntry(relPath: Uint8Array): ObservedEntry {
  return {
    relPath,
    type: 'dir',
    size: 0,
    mtimeNs: 0n,
    ctimeNs: 0n,
    ino: 0n,
    dev: 0n,
    mode: DIR_MODE,
  };
}

/** Lists the tree under `keyPrefix` ("" or ending in `/`); iterate the result once. */
export async function* listS3Tree(
  pages: PageSource,
  keyPrefix: string,
  options: S3ListOptions,
): AsyncGenerator<DirectoryChunk, void, undefined> {
  const concurrency = options.concurrency ?? LIST_CONCURRENCY;
  const pagesAhead = options.pagesAhead ?? PAGES_AHEAD;
  const exclusion = compileExclusion(options.exclude, []);
  const dirs: Listed[] = [];
  const dirsAhead = concurrency * DIRS_AHEAD_PER_SLOT;
  let started = 0;
  let listing = 0;
  let consumed = 0;
  let stopped = false;
  const discover = (relPath: Uint8Array, prefix: string, text: string) => {
    dirs.push({ relPath, keyPrefix: prefix, text, chunks: new PageChannel(pagesAhead) });
    pump();
  };
  const pump = () => {
    while (
      !stopped &&
      started < dirs.length &&
      listing < concurrency &&
      started < consumed + dirsAhead
    ) {
      const dir = dirs[started++]!;
      listing += 1;
      void listDirectory(dir, { pages, exclusion, discover, stopped: () => stopped }).finally(
        () => {
          listing -= 1;
          pump();
        },
      );
    }
  };
  discover(new Uint8Array(0), keyPrefix, '');
  try {
    for (; consumed < dirs.length; consumed++, pump()) {
      const dir = dirs[consumed]!;
      for (let chunk = await dir.chunks.take(); chunk; chunk = await dir.chunks.take()) {
        if (consumed === 0 && !chunk.complete && chunk.failures.length > 0 && chunk.final) {
          const [failure] = chunk.failures;
          throw new S3SourceError(
            'S3_LISTING_FAILED',
            `cannot list ${options.source}: ${failure!.message}`,
            { retryable: true, s3Code: failure!.errno },
          );
        }
        yield chunk;
      }
    }
  } finally {
    stopped = true;
    for (const dir of dirs) dir.chunks.close();
  }
}

interface ListerDeps {
  readonly pages: PageSource;
  readonly exclusion: Exclusion;
  readonly discover: (relPath: Uint8Array, prefix: string, text: string) => void;
  readonly stopped: () => boolean;
}

/** Lists one directory page by page into its channel, which it closes at the end. */
async function listDirectory(dir: Listed, deps: ListerDeps): Promise<void> {
  const files = new LruSet<string>(NAMES_REMEMBERED);
  const prefixes = new Set<string>();
  let token: string | undefined;
  try {
    do {
      let page: ListPage;
      try {
        page = await deps.pages(dir.keyPrefix, token);
      } catch (error) {
        const { text, code } = describeS3Failure(error);
        const failure: ScanFailure = {
          relPath: dir.relPath,
          errno: code,
          syscall: 'ListObjectsV2',
          message: `listing the keys under "${dir.keyPrefix}" failed: ${text}; nothing in it is deleted until it lists completely`,
        };
        await dir.chunks.push(emptyFinal(dir, failure));
        return;
      }
      if (deps.stopped()) return;
      token = page.next;
      await dir.chunks.push(chunkOf(dir, page, { ...deps, files, prefixes }));
    } while (token !== undefined && !deps.stopped());
  } finally {
    dir.chunks.close();
  }
}

function emptyFinal(dir: Listed, failure: ScanFailure): DirectoryChunk {
  return {
    dir: dir.relPath,
    entries: [],
    excluded: 0,
    excludedNames: [],
    failures: [failure],
    final: true,
    complete: false,
  };
}

interface PageDeps extends ListerDeps {
  /** Object names of the directory seen so far (the most recent ones). */
  readonly files: LruSet<string>;
  /** Subdirectory names of the directory seen so far. */
  readonly prefixes: Set<string>;
}

function chunkOf(dir: Listed, page: ListPage, deps: PageDeps): DirectoryChunk {
  const entries: ObservedEntry[] = [];
  const excludedNames: Uint8Array[] = [];
  const failures: ScanFailure[] = [];
  const globText = (name: string) => (dir.text === '' ? name : `${dir.text}/${name}`);
  for (const object of page.objects) {
    const name = object.key.slice(dir.keyPrefix.length);
    // An empty "folder" object stands for the directory itself.
    if (name === '' && object.size === 0) continue;
    const element = encoder.encode(escapeElement(name));
    const relPath = joinRelPath(dir.relPath, element);
    if (!object.key.startsWith(dir.keyPrefix) || name.includes('/')) {
      failures.push({
        relPath,
        errno: 'S3_UNEXPECTED_KEY',
        syscall: 'ListObjectsV2',
        message: `the store listed "${object.key}" under "${dir.keyPrefix}" despite the delimiter`,
      });
      continue;
    }
    deps.files.add(name);
    if (deps.exclusion.usesPaths && deps.exclusion.excludesPath(globText(name), false)) {
      excludedNames.push(element);
      continue;
    }
    entries.push(objectEntry(relPath, object));
  }
  for (const prefix of page.prefixes) {
    const name = prefix.slice(dir.keyPrefix.length, -1);
    if (deps.prefixes.has(name)) continue;
    deps.prefixes.add(name);
    const element = encoder.encode(escapeElement(name, deps.files.has(name)));
    const relPath = joinRelPath(dir.relPath, element);
    const text = globText(name);
    if (deps.exclusion.usesPaths && deps.exclusion.excludesPath(text, true)) {
      excludedNames.push(element);
      continue;
    }
    entries.push(directoryEntry(relPath));
    deps.discover(relPath, prefix, text);
  }
  const final = page.next === undefined;
  return {
    dir: dir.relPath,
    entries,
    excluded: excludedNames.length,
    excludedNames,
    failures,
    final,
    complete: final,
  };
}
