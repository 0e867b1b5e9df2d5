/**
 * Worker actions on files: the decision (pure, from src/core/decide.ts) picks the action, and the
 * action is a fixed list of steps (pre-checks, the handler's pre hook, iRODS calls, post-steps,
 * its post hook, record). The state is recorded last, only after iRODS confirmed everything
 * before it.
 *
 * The decision is made on the stat the action starts from and records (the check-source step),
 * never on an older look: a file that changed between its batch's look and its turn is decided
 * on what it is now, so no path records a stat it did not act on.
 *
 * ```ts
 * const outcome = await syncFile({ job, client, record }, task, recordedState);
 * ```
 */
import {
  decideFile,
  isConfirmedFile,
  type FileAction,
  type RecordedState,
} from '../core/decide.js';
import { adoptExisting } from './adopt.js';
import { checkContent, completeRecheck, findSent } from './content-check.js';
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
  sourceStat,
  upload,
  verifySource,
} from './file-steps.js';
import { postHook, preHook } from './hook-steps.js';
import { runSteps, step, type Step } from './pipeline.js';
import { observedAs } from './source.js';

type Steps = readonly Step<EntryContext>[];

const afterTransfer: Steps = [
  verifySource,
  carryMtime,
  checksumPolicy,
  addMetadata,
  postHook,
  recordFile,
];
const registration: Steps = [
  checkSource,
  preHook,
  ensureCollection,
  registerInPlace,
  ...afterTransfer,
];
// A changed registered file has its object, so its collection is there: registerInPlace makes it
// only when the object turns out to be gone. A rescan after changes saves two requests a file.
const reregistration: Steps = [checkSource, preHook, registerInPlace, ...afterTransfer];

/** The steps of each kind of action, in order. */
export const FILE_PIPELINES: Readonly<Record<FileAction['kind'], Steps>> = {
  skip: [],
  // Operation none: iRODS untouched, the hooks still run (upstream's NO_OP).
  'record-only': [checkSource, preHook, postHook, recordFile],
  // What follows a content check that found the file's content in iRODS (see carryOut): the
  // new stat is recorded once a second look shows the file did not change while it was read,
  // and after a recheck, once the object has what the steps after a transfer give it.
  'check-content': [verifySource, completeRecheck, recordFile],
  // An object found equal to the file (see carryOut) gets the job's AVUs and the file is
  // recorded; an object `put` keeps is recorded as if this job had sent it.
  adopt: [verifySource, addMetadata, recordFile],
  keep: [checkSource, recordFile],
  register: registration,
  'update-registration': reregistration,
  'register-replica': registration,
  upload: [checkSource, preHook, ensureCollection, findSent, upload, ...afterTransfer],
  append: [checkSource, preHook, ensureCollection, findSent, appendOrUpload, ...afterTransfer],
};

/** The steps `action` runs. */
export function pipelineFor(action: FileAction): Steps {
  return FILE_PIPELINES[action.kind];
}

/** Carries out an action already decided. Throws `WorkerError`s (see errors.ts). */
export async function performFileAction(
  deps: WorkerDeps,
  task: EntryTask,
  action: FileAction,
): Promise<ActionOutcome> {
  const ctx = newContext(deps, task, action);
  await carryOut(ctx);
  return outcomeOf(ctx);
}

/**
 * Decides the action for a file from its recorded state and its stat now, then carries it out. A
 * content check that finds other content in iRODS goes on as the sync it stood for.
 */
export async function syncFile(
  deps: WorkerDeps,
  task: EntryTask,
  recorded: RecordedState | undefined,
): Promise<ActionOutcome> {
  const ctx = newContext(deps, task, { kind: 'skip', why: 'unchanged' });
  ctx.existed = isConfirmedFile(recorded);
  ctx.tracked = ctx.existed;
  // A provisional state is an earlier try that may have sent the file (core/decide.ts).
  ctx.retried ||= recorded?.provisional === true;
  const decide = step<EntryContext>('decide', (current) => {
    current.action = decideFile(
      observedAs(task.entry, sourceStat(current)),
      recorded,
      deps.job.operation,
      {
        ctimeChanges: deps.job.ctime_changes,
        recheck: task.recheck === true,
      },
    );
    return Promise.resolve();
  });
  await runSteps([checkSource, decide], ctx);
  await carryOut(ctx);
  return outcomeOf(ctx);
}

/** Runs the action's steps; a content check or adoption first settles which action that is. */
async function carryOut(ctx: EntryContext): Promise<void> {
  if (ctx.action.kind === 'check-content') {
    await runSteps([checkSource, checkContent], ctx);
  } else if (ctx.action.kind === 'adopt') {
    await runSteps([checkSource, adoptExisting], ctx);
  }
  await runSteps(pipelineFor(ctx.action), ctx);
}
