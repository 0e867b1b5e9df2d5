/**
 * Propagating deletes per the job's delete mode: `unregister` removes catalog entries only (the
 * files stay where they are), `trash` moves to the zone's trash, `no_trash` deletes for good,
 * `keep` does nothing. The caller decides what is gone (decideDeletes: only after a complete scan,
 * never excluded or unreadable entries); this module refuses the job's target and anything
 * outside it whatever it is asked.
 */
import type { RecordedState } from '../core/decide.js';
import { encodeRelPath } from '../core/entry.js';
import { isWithin, joinPath } from '../core/logical-path.js';
import { REMOVAL, type IrodsClient, type Removal } from '../irods/index.js';
import type { WorkerDeps } from './context.js';
import { TargetProtectedError } from './errors.js';
import { runSteps, step, type StepContext } from './pipeline.js';

export interface DeleteTask {
  readonly relPath: Uint8Array;
  readonly logicalPath: string;
  readonly type: RecordedState['type'];
}

interface DeleteContext extends StepContext {
  readonly deps: WorkerDeps;
  readonly task: DeleteTask;
  removed: boolean;
}

const guard = step<DeleteContext>('guard', (ctx) => {
  const { target } = ctx.deps.job;
  const path = ctx.task.logicalPath;
  if (path === target || !isWithin(path, target)) {
    throw new TargetProtectedError({ ...ctx.failure, step: 'guard' }, path, target);
  }
  return Promise.resolve();
});

const remove = step<DeleteContext>('remove', async (ctx) => {
  const { client, job } = ctx.deps;
  // keep: iRODS is left as it is, but the state is still forgotten below, so that the state of
  // files that are gone for good does not pile up.
  if (job.delete === 'keep') return;
  const path = ctx.task.logicalPath;
  const removal = REMOVAL_BY_MODE[job.delete];
  if (ctx.task.type === 'file') {
    ctx.removed = await client.dataObjects.remove(path, removal);
  } else if (removal === REMOVAL.unregister) {
    ctx.removed = await unregisterTree(client, path);
  } else {
    ctx.removed = await client.collections.remove(path, {
      recursive: true,
      noTrash: removal === REMOVAL.noTrash,
    });
  }
});

const forget = step<DeleteContext>('forget', async (ctx) => {
  await ctx.deps.forget?.(ctx.task.relPath, ctx.task.type);
});

const REMOVAL_BY_MODE: Readonly<Record<'unregister' | 'trash' | 'no_trash', Removal>> = {
  unregister: REMOVAL.unregister,
  trash: REMOVAL.trash,
  no_trash: REMOVAL.noTrash,
};

export const DELETE_PIPELINE = [guard, remove, forget] as const;

/**
 * Deletes a vanished entry per the job's delete mode and forgets its state. Returns whether
 * something was removed in iRODS (false for `keep` and for what was already gone).
 */
export async function deleteEntry(deps: WorkerDeps, task: DeleteTask): Promise<boolean> {
  const ctx: DeleteContext = {
    deps,
    task,
    stopped: false,
    failure: { relPath: encodeRelPath(task.relPath), operation: `delete (${deps.job.delete})` },
    removed: false,
  };
  await runSteps(DELETE_PIPELINE, ctx, deps.wrap);
  return ctx.removed;
}

/**
 * The HTTP API has no catalog-only removal of a collection, so a vanished directory of registered
 * files is unregistered object by object; then its collections, empty now, are removed deepest
 * first and one at a time. A collection that is not empty (someone put an object there meanwhile)
 * fails that removal instead of deleting data that was never the source's.
 */
async function unregisterTree(client: IrodsClient, path: string): Promise<boolean> {
  const pattern = `${path.replaceAll('+', '_')}/%`;
  const objects = [
    ...(await client.query.rows({
      select: ['COLL_NAME', 'DATA_NAME'],
      where: [{ column: 'COLL_NAME', op: '=', value: path }],
    })),
    ...(await client.query.rows({
      select: ['COLL_NAME', 'DATA_NAME'],
      where: [{ column: 'COLL_NAME', op: 'like', value: pattern }],
    })),
  ].filter((row) => isWithin(row.COLL_NAME, path));
  for (const row of objects) {
    await client.dataObjects.remove(joinPath(row.COLL_NAME, row.DATA_NAME), REMOVAL.unregister);
  }
  const below = await client.query.rows({
    select: ['COLL_NAME'],
    where: [{ column: 'COLL_NAME', op: 'like', value: pattern }],
  });
  const collections = below
    .map((row) => row.COLL_NAME)
    .filter((name) => name !== path && isWithin(name, path))
    .sort((a, b) => b.split('/').length - a.split('/').length);
  for (const collection of collections)
    await client.collections.remove(collection, { noTrash: true });
  const removed = await client.collections.remove(path, { noTrash: true });
  return removed || objects.length > 0;
}
