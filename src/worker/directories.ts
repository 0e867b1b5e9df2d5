/**
 * Directories become collections, empty ones too (upstream only created collections on the way to
 * a file), except under operation `none`. A mapped directory name keeps its original bytes in an
 * AVU on the collection, and so do the AVUs its job's handler chooses for it. The handler's
 * collection hooks run around a directory not recorded before (under `none` too, as upstream's
 * NO_OP fires them).
 */
import { ENTITY } from '../irods/index.js';
import {
  newContext,
  outcomeOf,
  type ActionOutcome,
  type EntryContext,
  type EntryTask,
  type WorkerDeps,
} from './context.js';
import { originalNameAvus } from './file-steps.js';
import { postHook, preHook } from './hook-steps.js';
import { runSteps, step } from './pipeline.js';

/** Operation `none` leaves iRODS untouched, collections included (as upstream's NO_OP). */
const touchesIrods = (ctx: EntryContext) => ctx.deps.job.operation !== 'none';

const ensure = step<EntryContext>('ensure-collection', async (ctx) => {
  if (!touchesIrods(ctx)) return;
  await ctx.deps.client.collections.ensure(ctx.task.logicalPath);
});

/** The original name and the handler's AVUs: the job's own are for data objects. */
const originalName = step<EntryContext>('metadata', async (ctx) => {
  if (!touchesIrods(ctx)) return;
  const avus = [...(ctx.task.avus ?? []), ...originalNameAvus(ctx.task)];
  if (avus.length === 0) return;
  await ctx.deps.client.metadata.add(ENTITY.collection, ctx.task.logicalPath, avus);
});

const record = step<EntryContext>('record', async (ctx) => {
  const { entry } = ctx.task;
  const state = { type: 'dir' as const, size: 0, mtimeNs: entry.mtimeNs, ino: entry.ino };
  await ctx.deps.record?.(entry.relPath, state);
  ctx.recorded = state;
});

export const DIRECTORY_PIPELINE = [preHook, ensure, originalName, postHook, record] as const;

/**
 * Makes sure the directory's collection exists, then records the directory. `existed`: it was
 * recorded as a directory before (no create hooks then).
 */
export async function syncDirectory(
  deps: WorkerDeps,
  task: EntryTask,
  existed = false,
): Promise<ActionOutcome> {
  const ctx = newContext(deps, task, { kind: 'record-only' });
  ctx.existed = existed;
  await runSteps(DIRECTORY_PIPELINE, ctx);
  return outcomeOf(ctx);
}
