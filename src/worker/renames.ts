/**
 * Carrying a rename in the source over to iRODS: the data object or collection is renamed (its
 * bytes, AVUs and ACLs go with it) and the recorded state moves with it, instead of uploading the
 * entry again under its new name and deleting the old one.
 *
 * Only where the iRODS copy is independent of the source file's path: a registered replica points
 * at the old physical path, so `register` and `register_replica` jobs take the ordinary way (sync
 * the new path, delete the old per the job's delete mode). Names that had to be mapped also take
 * it, so that the AVU with the original bytes is always written by the sync pipeline, and so do
 * files whose upload was never confirmed (a provisional state: the object may be partial).
 */
import { createHash } from 'node:crypto';
import type { JobConfig } from '../config/index.js';
import type { RecordedState } from '../core/decide.js';
import { encodeRelPath } from '../core/entry.js';
import { parentPath } from '../core/logical-path.js';
import { mapRelPath } from '../core/names.js';
import type { IrodsClient } from '../irods/index.js';
import type { FileLocks, FileStateStore } from '../state/index.js';

export interface RenameDeps {
  readonly job: JobConfig;
  readonly client: IrodsClient;
  readonly states: FileStateStore;
  readonly locks: FileLocks;
  /** Identifies this rename in the file locks. */
  readonly owner: string;
}

export interface RenameTask {
  readonly from: Uint8Array;
  readonly to: Uint8Array;
  /** What was recorded for `from`; it becomes the state of `to` (same inode, size and mtime). */
  readonly state: RecordedState;
}

/** Operations whose iRODS copy does not depend on where the source file is. */
const RENAMEABLE: ReadonlySet<JobConfig['operation']> = new Set([
  'put',
  'put_sync',
  'put_append',
  'none',
]);

export const RENAME_OUTCOMES = {
  renamed: 'renamed',
  /** Not carried over (see the header); the caller syncs and deletes instead. */
  declined: 'declined',
  /** A worker holds one of the two paths; the caller syncs and deletes instead. */
  busy: 'busy',
} as const;
export type RenameOutcome = (typeof RENAME_OUTCOMES)[keyof typeof RENAME_OUTCOMES];

const LOCK_TTL_MS = 30_000;
const sha256Hex = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/**
 * A job with an event handler takes the ordinary way too: its handler may place or register the
 * new name differently, and its hooks see a create and a delete.
 */
export function canRename(job: JobConfig): boolean {
  return RENAMEABLE.has(job.operation) && job.handler === '';
}

/** Renames in iRODS, then moves the state. Errors (iRODS, Redis) are thrown to the caller. */
export async function renameEntry(deps: RenameDeps, task: RenameTask): Promise<RenameOutcome> {
  const { job, client, states, locks, owner } = deps;
  const from = mapRelPath(task.from, job.target, sha256Hex);
  const to = mapRelPath(task.to, job.target, sha256Hex);
  // A provisional object may be partial, or not there at all: the new name is synced instead.
  if (!canRename(job) || from.mapped || to.mapped || task.state.provisional === true) {
    return RENAME_OUTCOMES.declined;
  }
  const paths = [encodeRelPath(task.from), encodeRelPath(task.to)];
  const locked = await locks.tryLock(paths, LOCK_TTL_MS, owner);
  const mine = paths.filter((_, i) => locked[i]);
  try {
    if (mine.length < paths.length) return RENAME_OUTCOMES.busy;
    if (job.operation !== 'none') {
      await client.collections.ensure(parentPath(to.logicalPath));
      if (task.state.type === 'dir')
        await client.collections.rename(from.logicalPath, to.logicalPath);
      else await client.dataObjects.rename(from.logicalPath, to.logicalPath);
    }
    if (task.state.type === 'dir') {
      await states.moveTree(task.from, task.to, task.state);
    } else {
      await states.record([{ relPath: task.to, state: task.state }]);
      await states.forget([task.from]);
    }
    return RENAME_OUTCOMES.renamed;
  } finally {
    await locks.unlock(mine, owner);
  }
}
