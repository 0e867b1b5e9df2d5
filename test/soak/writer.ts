/**
 * A writer that keeps changing one source tree the way instruments and people do: files appear,
 * grow, get renamed and removed, directories appear, get renamed and removed. It logs every
 * content change per path, which is what the soak compares the emulator's writes with.
 *
 * Names are never reused (a counter makes them), so a path has one life: it is born by a create
 * or a rename, changes by appends, and ends by a removal or a rename. Each of those births and
 * appends is one content version of the path; a daemon that sends a path more often than it had
 * versions sent one of them twice.
 */
import { randomBytes } from 'node:crypto';
import { appendFile, mkdir, rename, rm, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Random } from './random.js';

export interface WriterOptions {
  /** The source root; it exists. */
  readonly root: string;
  readonly random: Random;
  /** The writer keeps the tree between these many files. */
  readonly minFiles: number;
  readonly maxFiles: number;
  /** Files larger than the emulator's request body limit (8 MiB), sent in parallel writes. */
  readonly bigFiles: boolean;
}

export interface WriterCounts {
  created: number;
  appended: number;
  renamed: number;
  removed: number;
  dirsCreated: number;
  dirsRenamed: number;
  dirsRemoved: number;
}

/** A directory removed in one go holds at most this many files (a burst, not a wipe). */
const MAX_FILES_IN_REMOVED_DIR = 25;
const MAX_DEPTH = 3;
const KIB = 1024;
const MIB = 1024 * KIB;

export class SourceWriter {
  readonly #options: WriterOptions;
  /** Relative path → size of every file the writer has made and not removed. */
  readonly #files = new Map<string, number>();
  /** Relative paths of directories ('' is the root). */
  readonly #dirs = new Set<string>(['']);
  /** Relative path → content versions it had (births and appends). */
  readonly versions = new Map<string, number>();
  readonly counts: WriterCounts = {
    created: 0,
    appended: 0,
    renamed: 0,
    removed: 0,
    dirsCreated: 0,
    dirsRenamed: 0,
    dirsRemoved: 0,
  };
  #next = 0;

  constructor(options: WriterOptions) {
    this.#options = options;
  }

  get fileCount(): number {
    return this.#files.size;
  }

  /** A starting tree: `dirs` directories, then files until minFiles. */
  async populate(dirs: number): Promise<void> {
    for (let i = 0; i < dirs; i++) await this.makeDir();
    while (this.#files.size < this.#options.minFiles) await this.create();
  }

  /** One change, chosen at random, weighted to keep the file count inside its bounds. */
  async step(): Promise<void> {
    const { random, minFiles, maxFiles } = this.#options;
    const files = this.#files.size;
    if (files < minFiles) return this.create();
    const full = files >= maxFiles;
    const roll = random.next();
    if (roll < (full ? 0.05 : 0.3)) return this.create();
    if (roll < 0.65) return this.append();
    if (roll < 0.75) return this.renameFile();
    if (roll < (full ? 0.95 : 0.85)) return this.removeFile();
    if (roll < 0.95) return this.#dirs.size < 40 ? this.makeDir() : this.append();
    if (roll < 0.98) return this.renameDir();
    return this.removeDir();
  }

  async create(): Promise<void> {
    const { random, bigFiles } = this.#options;
    const dir = random.pick([...this.#dirs]);
    const rel = join(dir, `f${this.#next++}.dat`);
    const roll = random.next();
    const size =
      bigFiles && roll < 0.004
        ? random.int(9 * MIB, 12 * MIB)
        : roll < 0.05
          ? random.int(64 * KIB, MIB)
          : random.int(0, 32 * KIB);
    await writeFile(join(this.#options.root, rel), randomBytes(size));
    this.#born(rel, size);
    this.counts.created++;
  }

  async append(): Promise<void> {
    const { random } = this.#options;
    const grown = [...this.#files].filter(([, size]) => size < 16 * MIB);
    if (grown.length === 0) return this.create();
    const [rel, size] = random.pick(grown);
    const bytes = random.next() < 0.02 ? random.int(KIB, MIB) : random.int(1, 16 * KIB);
    await appendFile(join(this.#options.root, rel), randomBytes(bytes));
    this.#files.set(rel, size + bytes);
    this.versions.set(rel, (this.versions.get(rel) ?? 0) + 1);
    this.counts.appended++;
  }

  async renameFile(): Promise<void> {
    const { random, root } = this.#options;
    if (this.#files.size === 0) return this.create();
    const [from, size] = random.pick([...this.#files]);
    const to = join(random.pick([...this.#dirs]), `f${this.#next++}.dat`);
    await rename(join(root, from), join(root, to));
    this.#files.delete(from);
    this.#born(to, size);
    this.counts.renamed++;
  }

  async removeFile(): Promise<void> {
    const { random, root } = this.#options;
    if (this.#files.size === 0) return this.create();
    const [rel] = random.pick([...this.#files]);
    await unlink(join(root, rel));
    this.#files.delete(rel);
    this.counts.removed++;
  }

  async makeDir(): Promise<void> {
    const { random, root } = this.#options;
    const parents = [...this.#dirs].filter((dir) => depth(dir) < MAX_DEPTH);
    const rel = join(random.pick(parents), `d${this.#next++}`);
    await mkdir(join(root, rel));
    this.#dirs.add(rel);
    this.counts.dirsCreated++;
  }

  /** Renames a directory within its parent: everything below it gets a new path. */
  async renameDir(): Promise<void> {
    const { random, root } = this.#options;
    const candidates = [...this.#dirs].filter((dir) => dir !== '');
    if (candidates.length === 0) return this.makeDir();
    const from = random.pick(candidates);
    const to = join(from.slice(0, from.length - basename(from).length), `d${this.#next++}`);
    await rename(join(root, from), join(root, to));
    const moved = (path: string) => `${to}${path.slice(from.length)}`;
    for (const dir of [...this.#dirs].filter((d) => isInside(d, from))) {
      this.#dirs.delete(dir);
      this.#dirs.add(moved(dir));
    }
    for (const [rel, size] of [...this.#files].filter(([f]) => isInside(f, from))) {
      this.#files.delete(rel);
      this.#born(moved(rel), size);
    }
    this.counts.dirsRenamed++;
  }

  async removeDir(): Promise<void> {
    const { random, root } = this.#options;
    const small = [...this.#dirs].filter(
      (dir) =>
        dir !== '' &&
        [...this.#files.keys()].filter((f) => isInside(f, dir)).length <= MAX_FILES_IN_REMOVED_DIR,
    );
    if (small.length === 0) return this.removeFile();
    const dir = random.pick(small);
    await rm(join(root, dir), { recursive: true });
    for (const d of [...this.#dirs].filter((d) => isInside(d, dir))) this.#dirs.delete(d);
    for (const f of [...this.#files.keys()].filter((f) => isInside(f, dir))) this.#files.delete(f);
    this.counts.dirsRemoved++;
  }

  #born(rel: string, size: number): void {
    this.#files.set(rel, size);
    this.versions.set(rel, 1);
  }
}

function depth(rel: string): number {
  return rel === '' ? 0 : rel.split('/').length;
}

function basename(rel: string): string {
  return rel.slice(rel.lastIndexOf('/') + 1);
}

function isInside(path: string, dir: string): boolean {
  return path === dir || path.startsWith(`${dir}/`);
}
