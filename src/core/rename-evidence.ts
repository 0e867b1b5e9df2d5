/**
 * When is a new entry the renamed copy of a recorded one that vanished? An inode alone proves
 * nothing: file systems hand a freed inode to the next file or directory made (ext4 does so most
 * of the time), and a rename carried out on a wrong match moves one entry's iRODS copy onto
 * another's and overwrites it. So:
 *
 * - a file needs the same inode, size and mtime (no write since the rename);
 * - a directory needs its inode and its recorded children found in the new directory: the same
 *   names with the same inodes (and, for files, sizes and mtimes), for at least half of the
 *   children looked at, including a file when it had files.
 *
 * Anything less is a delete and a create: when in doubt, copy and delete rather than move.
 */
import type { RecordedState } from './decide.js';

/** What a look at an entry found, for comparing with its recorded state. */
export interface SeenEntry {
  readonly type: string;
  readonly ino: bigint;
  readonly size: number;
  readonly mtimeNs: bigint;
}

/** Recorded children of a vanished directory looked at in a candidate, at most. */
export const EVIDENCE_SAMPLE = 32;

/** Same inode and type; a file also has the same size and mtime. */
export function sameEntry(recorded: RecordedState, seen: SeenEntry): boolean {
  if (recorded.type !== seen.type || recorded.ino !== seen.ino || recorded.ino === 0n) return false;
  return seen.type === 'dir' || (recorded.size === seen.size && recorded.mtimeNs === seen.mtimeNs);
}

/** One recorded child of the vanished directory, and what has its name in the candidate. */
export interface ChildEvidence {
  readonly recorded: RecordedState;
  /** Undefined when the candidate has no entry of that name. */
  readonly seen: SeenEntry | undefined;
}

/**
 * Whether the children prove that the candidate is the vanished directory, renamed. A directory
 * with no recorded children proves nothing.
 */
export function provesDirectoryRename(children: readonly ChildEvidence[]): boolean {
  if (children.length === 0) return false;
  let matches = 0;
  let files = 0;
  let fileMatches = 0;
  for (const { recorded, seen } of children) {
    const match = seen !== undefined && sameEntry(recorded, seen);
    if (match) matches += 1;
    if (recorded.type === 'file') {
      files += 1;
      if (match) fileMatches += 1;
    }
  }
  if (matches * 2 < children.length) return false;
  // Directory inodes are what gets reused; only files carry sizes and mtimes.
  return files === 0 ? matches === children.length : fileMatches > 0;
}

/**
 * The recorded children worth looking at in a candidate: files first (their size and mtime are
 * the strong evidence), at most EVIDENCE_SAMPLE.
 */
export function evidenceSample<T extends { readonly state: RecordedState }>(
  children: readonly T[],
): T[] {
  const files = children.filter((child) => child.state.type === 'file');
  const others = children.filter((child) => child.state.type !== 'file');
  return [...files, ...others].slice(0, EVIDENCE_SAMPLE);
}
