/**
 * A generated source tree for the sync benchmarks: `files` files of 0 to 4 KiB in directories of
 * FILES_PER_DIRECTORY, a hundred directories under each `gNN/` parent, so the
 * tree has two levels like instrument output (`g03/run-0321/f0137.dat`).
 *
 * Synchronous writes on purpose: this runs before any timing, and `writeFileSync` of small files
 * is several times faster than the promise API (see the perf-limits research).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';

export const FILES_PER_DIRECTORY = 200;
const DIRECTORIES_PER_GROUP = 100;
const MAX_FILE_BYTES = 4096;

export interface GeneratedTree {
  readonly root: string;
  readonly files: number;
  readonly directories: number;
  readonly bytes: number;
}

export function generateTree(root: string, files: number): GeneratedTree {
  const pool = randomBytes(MAX_FILE_BYTES + 1024);
  const directories = Math.ceil(files / FILES_PER_DIRECTORY);
  let bytes = 0;
  let groups = 0;
  for (let d = 0; d < directories; d++) {
    const group = Math.floor(d / DIRECTORIES_PER_GROUP);
    if (d % DIRECTORIES_PER_GROUP === 0) groups++;
    const dir = join(root, `g${pad(group, 2)}`, `run-${pad(d, 4)}`);
    mkdirSync(dir, { recursive: true });
    const inThisDir = Math.min(FILES_PER_DIRECTORY, files - d * FILES_PER_DIRECTORY);
    for (let f = 0; f < inThisDir; f++) {
      const i = d * FILES_PER_DIRECTORY + f;
      // A spread of sizes from 0 to 4 KiB, and contents that differ from file to file.
      const size = (i * 2_654_435_761) % (MAX_FILE_BYTES + 1);
      const offset = i % 1024;
      writeFileSync(join(dir, `f${pad(f, 4)}.dat`), pool.subarray(offset, offset + size));
      bytes += size;
    }
  }
  return { root, files, directories: directories + groups, bytes };
}

/**
 * Writes a generated tree back to disk before anything is timed on it. Right after generateTree
 * the kernel holds the files dirty (about 850 MB for 200,000 of them) and writes them back half a
 * minute later, beside whatever the benchmark times then: the first pass over the tree, which a
 * site runs over files written long before. Returns the seconds the flush took.
 */
export function settleTree(tree: GeneratedTree): number {
  const started = performance.now();
  execFileSync('sync', ['--file-system', tree.root]);
  return (performance.now() - started) / 1000;
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}
