/**
 * Directories become collections, empty ones too (upstream only created collections on the way to
 * a file), except under operation `none`. A mapped directory name keeps its original bytes in an
 * AVU on the collection.
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
import { runSteps, step } from './pipeline.js';

/** Operation `none` leaves iRODS untouched, collections included (as upstream's NO_OP). */
const touchesIrods = (ctx: EntryContext) => ctx.deps.job.operation !== 'none';

const ensure = step<EntryContext>('ensure-collection', async (ctx) => {
  if (!touchesIrods(ctx)) return;
  await ctx.deps.client.collections.ensure(ctx.task.logicalPath);
});

/** Only the original name: the job's AVUs are for data objects. */
const originalName = step<EntryContext>('metadata', async (ctx) => {
  if (!touchesIrods(ctx)) return;
  const avus = originalNameAvus(ctx.task);
  if (avus.length === 0) return;
  await ctx.deps.client.metadata.add(ENTITY.collection, ctx.task.logicalPath, avus);
});

const record = step<EntryContext>('record', async (ctx) => {
  const { entry } = ctx.task;
  const state = { type: 'dir' as const, size: 0, mtimeNs: entry.mtimeNs, ino: entry.ino };
  await ctx.deps.record?.(entry.relPath, state);
  ctx.recorded = state;
});

export const DIRECTORY_PIPELINE = [ensure, originalName, record] as const;

/** Makes sure the directory's collection exists, then records the directory. */
export async function syncDirectory(deps: WorkerDeps, task: EntryTask): Promise<ActionOutcome> {
  const ctx = newContext(deps, task, { kind: 'record-only' });
  await runSteps(DIRECTORY_PIPELINE, ctx, deps.wrap);
  return outcomeOf(ctx);
}
