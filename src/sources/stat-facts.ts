/** What the walk, the entry codec and the workers read of a stat. */
import { constants, type BigIntStats } from 'node:fs';
import type { EntryType } from '../core/entry.js';

/**
 * A BigIntStats has these; a stat that crossed between threads is these alone. The owner comes
 * with the stats of a batch's look (event handlers see it), not with a scan's entries.
 */
export type StatFacts = Pick<BigIntStats, 'mode' | 'size' | 'mtimeNs' | 'ctimeNs' | 'ino' | 'dev'> &
  Partial<Pick<BigIntStats, 'uid' | 'gid'>>;

/**
 * The entry type of a stat's mode. Read from the mode as a number because BigIntStats'
 * isFile() and the like build BigInts on every call.
 */
export function entryTypeOfMode(mode: number): EntryType {
  switch (mode & constants.S_IFMT) {
    case constants.S_IFREG:
      return 'file';
    case constants.S_IFDIR:
      return 'dir';
    case constants.S_IFLNK:
      return 'symlink';
    case constants.S_IFIFO:
      return 'fifo';
    case constants.S_IFSOCK:
      return 'socket';
    case constants.S_IFCHR:
      return 'char';
    default:
      return 'block';
  }
}
