/**
 * Propagating deletes per the job's delete mode: `unregister` removes catalog entries only (the
 * files stay where they are), `trash` moves to the zone's trash, `no_trash` deletes for good,
 * `keep` does nothing. The caller decides what is gone (decideDeletes: only after a complete scan,
 * never excluded or unreadable entries, re-checked on disk right before); this module refuses the
 * job's target and anything outside it whatever it is asked.
 *
 * A job deletes only what it recorded. A vanished directory loses exactly the entries the job
 * recorded below it, each through the delete mode, and its collections go only when that left
 * them empty: objects of excluded files, objects people put there and anything else the job did
 * not record stay, and so do the collections holding them. `unregister` removes an object only
 * when every replica of it is a file the job registered (src/core/ownership.ts): under the source
 * as the server sees it (`physical_source`), one of them where the job put the entry's.
 *
 * With an event handler, an entry goes from where the handler put it (its `targetPath` and
 * `physicalPath`, asked again for the entry as recorded), and the delete hooks run around each
 * removal that iRODS carries out (none under `keep`, none for what stays).
 */
import type { RecordedState } from '../core/decide.js';
import { decodeRelPath, encodeRelPath, joinRelPath } from '../core/entry.js';
import { isIrodsError } from '../core/irods-codes.js';
import { isWithin } from '../core/logical-path.js';
import { registeredPathOf, registrationOf, REGISTRATION } from '../core/ownership.js';
import { IN_THE_WAY, type InTheWay } from '../core/type-swap.js';
import { HOOK_EVENTS } from '../handlers/members.js';
import { IrodsError, REMOVAL, type Removal } from '../irods/index.js';
import type { WorkerDeps } from './context.js';
import { asWorkerError, TargetProtectedError } from './errors.js';
import { shutDownLeftoverHandle } from './leftover-handles.js';
import { runSteps, step, type StepContext } from './pipeline.js';

export interface DeleteTask {
  readonly relPath: Uint8Array;
  readonly logicalPath: string;
  readonly type: RecordedState['type'];
  /** As recorded: what the handler's hooks and policy are told of the entry. */
  readonly state?: RecordedState;
  /**
   * Asked between the directories of a vanished tree: false when the directory is back on disk,
   * which ends the delete (what is back is synced instead).
   */
  readonly stillGone?: () => Promise<boolean>;
}

export interface DeleteOutcome {
  /** Something was removed in iRODS. */
  removed: boolean;
  /** The entry's own copy stayed, and why (a collection holding what is not the job's, ...). */
  stays?: InTheWay;
  /** The delete stopped because the entry is back on disk; its state was kept. */
  back?: boolean;
}

interface DeleteContext extends StepContext {
  readonly deps: WorkerDeps;
  readonly task: DeleteTask;
  readonly outcome: DeleteOutcome;
}

/** Objects of one directory removed at once. */
const PARALLEL_REMOVALS = 8;

const guard = step<DeleteContext>('guard', (ctx) => {
  const { target } = ctx.deps.job;
  const path = ctx.task.logicalPath;
  if (path === target || !isWithin(path, target)) {
    throw new TargetProtectedError({ ...ctx.failure, step: 'guard' }, path, target);
  }
  return Promise.resolve();
});

const remove = step<DeleteContext>('remove', async (ctx) => {
  const { task, outcome } = ctx;
  if (task.type === 'file') {
    // The caller holds the file's lock: a handle left for it is a dead upload's, which would
    // keep the object locked against its removal.
    await shutDownLeftoverHandle(ctx.deps, task.relPath, task.logicalPath);
    const result = await removeObject(ctx.deps, task);
    outcome.removed = result === true;
    if (typeof result === 'string') outcome.stays = result;
  } else {
    await removeTree(ctx);
  }
});

const forget = step<DeleteContext>('forget', async (ctx) => {
  if (ctx.outcome.back) return;
  await ctx.deps.forget?.(ctx.task.relPath, ctx.task.type);
});

export const DELETE_PIPELINE = [guard, remove, forget] as const;

/**
 * Deletes a vanished entry per the job's delete mode and forgets its state (`keep` only forgets
 * it, so that the state of files gone for good does not pile up).
 */
export async function deleteEntry(deps: WorkerDeps, task: DeleteTask): Promise<DeleteOutcome> {
  const failure = {
    relPath: encodeRelPath(task.relPath),
    operation: `delete (${deps.job.delete})`,
  };
  let logicalPath: string;
  try {
    logicalPath = await placeOf(deps, task);
  } catch (error) {
    throw asWorkerError(error, { ...failure, step: 'place' });
  }
  const ctx: DeleteContext = {
    deps,
    task: { ...task, logicalPath },
    stopped: false,
    failure,
    outcome: { removed: false },
  };
  await runSteps(DELETE_PIPELINE, ctx);
  return ctx.outcome;
}

const REMOVAL_BY_MODE: Readonly<Record<'unregister' | 'trash' | 'no_trash', Removal>> = {
  unregister: REMOVAL.unregister,
  trash: REMOVAL.trash,
  no_trash: REMOVAL.noTrash,
};

/** An entry below a vanished directory, or the deleted entry itself. */
interface GoneItem {
  readonly relPath: Uint8Array;
  readonly logicalPath: string;
  readonly state?: RecordedState | undefined;
}

/** Where the entry lives in iRODS: where the job's handler put it, else the mirror path. */
async function placeOf(deps: WorkerDeps, item: GoneItem): Promise<string> {
  if (deps.gone === undefined || item.state === undefined) return item.logicalPath;
  const entry = deps.gone.describe(item.relPath, item.state);
  return (await deps.gone.logicalPath(entry)) ?? item.logicalPath;
}

/**
 * Removes the job's object at the item's logical path: true when something was removed, false
 * when there was nothing (or the mode is keep), or why it stays.
 */
async function removeObject(deps: WorkerDeps, item: GoneItem): Promise<boolean | InTheWay> {
  const { client, job } = deps;
  const { relPath, logicalPath, state } = item;
  if (job.delete === 'keep') return false;
  const removal = REMOVAL_BY_MODE[job.delete];
  const entry = state === undefined ? undefined : deps.gone?.describe(relPath, state);
  if (removal === REMOVAL.unregister) {
    const replicas = await client.dataObjects.replicas(logicalPath);
    const root = job.physical_source || job.source;
    const chosen = entry === undefined ? undefined : await deps.gone?.physicalPath(entry);
    const registration = registrationOf(
      root,
      chosen ?? registeredPathOf(root, relPath),
      replicas.map((replica) => replica.physicalPath),
    );
    if (registration === REGISTRATION.gone) return false;
    if (registration === REGISTRATION.foreign) return IN_THE_WAY.notOwned;
  }
  if (entry !== undefined) await deps.hooks?.before(HOOK_EVENTS.dataObjDelete, entry, logicalPath);
  const removed = await client.dataObjects.remove(logicalPath, removal);
  if (removed && entry !== undefined) {
    await deps.hooks?.after(HOOK_EVENTS.dataObjDelete, entry, logicalPath);
  }
  return removed;
}

/**
 * A vanished directory: the job's recorded files below it are removed directory by directory
 * (and forgotten as they go, so that a delete cut short resumes where it stopped), then its
 * recorded directories' collections, deepest first, each only when it is empty by then.
 */
async function removeTree(ctx: DeleteContext): Promise<void> {
  const { deps, task, outcome } = ctx;
  // keep leaves iRODS alone: the forget step drops the tree's state.
  if (deps.job.delete === 'keep') return;
  const recorded = deps.recorded;
  if (recorded === undefined) throw new Error('deleting a directory needs its recorded entries');
  const directories: GoneItem[] = [];
  const pending: GoneItem[] = [task];
  let notOwned = false;
  for (let dir = pending.pop(); dir !== undefined; dir = pending.pop()) {
    if (task.stillGone !== undefined && !(await task.stillGone())) {
      outcome.back = true;
      return;
    }
    directories.push(dir);
    const files: GoneItem[] = [];
    for (const [name, state] of await recorded.children(dir.relPath)) {
      const child = await childOf(deps, dir, name, state);
      if (state.type === 'dir') pending.push(child);
      else files.push(child);
    }
    const results = await inParallel(files, PARALLEL_REMOVALS, (file) => removeObject(deps, file));
    if (results.some((result) => result === true)) outcome.removed = true;
    if (results.some((result) => result === IN_THE_WAY.notOwned)) notOwned = true;
    await recorded.forget(files.map((file) => file.relPath));
  }
  const top = directories[0];
  // Every directory was visited after its parent: backwards, each comes before its parent.
  for (const dir of directories.reverse()) {
    const gone = await removeIfEmpty(deps, dir);
    if (gone === true) outcome.removed = true;
    if (gone === 'not-empty' && dir === top) {
      outcome.stays = notOwned ? IN_THE_WAY.notOwned : IN_THE_WAY.notEmpty;
    }
  }
}

async function childOf(
  deps: WorkerDeps,
  dir: GoneItem,
  name: string,
  state: RecordedState,
): Promise<GoneItem> {
  const relPath = joinRelPath(dir.relPath, decodeRelPath(name));
  const child = { relPath, logicalPath: deps.logicalPathOf(relPath), state };
  return { ...child, logicalPath: await placeOf(deps, child) };
}

/**
 * Removes the collection when it holds nothing: true when removed, false when it was not there,
 * 'not-empty' when it holds something. An empty collection goes for good even with `trash`: it
 * holds no data, and a trashed copy would clash with the trashed objects' own collection.
 */
async function removeIfEmpty(deps: WorkerDeps, dir: GoneItem): Promise<boolean | 'not-empty'> {
  const { client, hooks } = deps;
  const path = dir.logicalPath;
  let entries: string[];
  try {
    entries = await client.collections.list(path);
  } catch (error) {
    if (error instanceof IrodsError && isIrodsError(error.irodsCode, 'NOT_A_COLLECTION')) {
      return false;
    }
    throw error;
  }
  if (entries.length > 0) return 'not-empty';
  const entry = dir.state === undefined ? undefined : deps.gone?.describe(dir.relPath, dir.state);
  if (entry !== undefined) await hooks?.before(HOOK_EVENTS.collDelete, entry, path);
  let removed: boolean;
  try {
    removed = await client.collections.remove(path, { noTrash: true });
  } catch (error) {
    // Someone put something there since the listing: it stays, with what it holds.
    if (error instanceof IrodsError && isIrodsError(error.irodsCode, 'SYS_COLLECTION_NOT_EMPTY')) {
      return 'not-empty';
    }
    throw error;
  }
  if (removed && entry !== undefined) await hooks?.after(HOOK_EVENTS.collDelete, entry, path);
  return removed;
}

/** `work` over `items`, at most `limit` at a time; results in the order of `items`. */
async function inParallel<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    for (let i = next++; i < items.length; i = next++) results[i] = await work(items[i]!);
  });
  await Promise.all(lanes);
  return results;
}
