/**
 * Worker actions on files: the decision (pure, from src/core/decide.ts) picks the action, and the
 * action is a fixed list of steps (pre-checks, iRODS calls, post-steps, record), so hooks can wrap
 * any of them. The state is recorded last, only after iRODS confirmed everything before it.
 *
 * ```ts
 * const outcome = await syncFile({ job, client, record }, task, recordedState);
 * ```
 */
import { decideFile, type FileAction, type RecordedState } from '../core/decide.js';
import {
  newContext,
  outcomeOf,
  type ActionOutcome,
  type EntryContext,
  type EntryTask,
  type WorkerDeps,
} from './context.js';
import {
  addMetadata,
  appendOrUpload,
  carryMtime,
  checkSource,
  checksumPolicy,
  ensureCollection,
  recordFile,
  registerInPlace,
  upload,
  verifySource,
} from './file-steps.js';
import { runSteps, step, type Step } from './pipeline.js';

type Steps = readonly Step<EntryContext>[];

const afterTransfer: Steps = [verifySource, carryMtime, checksumPolicy, addMetadata, recordFile];
const registration: Steps = [checkSource, ensureCollection, registerInPlace, ...afterTransfer];

/** The steps of each kind of action, in order. */
export const FILE_PIPELINES: Readonly<Record<FileAction['kind'], Steps>> = {
  skip: [],
  'record-only': [checkSource, recordFile],
  register: registration,
  'update-registration': registration,
  'register-replica': registration,
  upload: [checkSource, ensureCollection, upload, ...afterTransfer],
  append: [checkSource, ensureCollection, appendOrUpload, ...afterTransfer],
};

/** The steps `action` runs. A chmod or chown only refreshes the recorded state. */
export function pipelineFor(action: FileAction): Steps {
  if (action.kind === 'skip' && action.why === 'metadata-only') return [checkSource, recordFile];
  return FILE_PIPELINES[action.kind];
}

/** Carries out an action already decided. Throws `WorkerError`s (see errors.ts). */
export async function performFileAction(
  deps: WorkerDeps,
  task: EntryTask,
  action: FileAction,
): Promise<ActionOutcome> {
  const ctx = newContext(deps, task, action);
  await runSteps(pipelineFor(action), ctx, deps.wrap);
  return outcomeOf(ctx);
}

/** Decides the action for a file from its recorded state, then carries it out. */
export async function syncFile(
  deps: WorkerDeps,
  task: EntryTask,
  recorded: RecordedState | undefined,
): Promise<ActionOutcome> {
  const ctx = newContext(deps, task, { kind: 'skip', why: 'unchanged' });
  const decide = step<EntryContext>('decide', (current) => {
    current.action = decideFile(task.entry, recorded, deps.job.operation);
    return Promise.resolve();
  });
  await runSteps([decide], ctx, deps.wrap);
  await runSteps(pipelineFor(ctx.action), ctx, deps.wrap);
  return outcomeOf(ctx);
}
