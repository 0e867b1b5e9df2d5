/**
 * One entry of a batch brought in line with what is on disk: a directory becomes a collection, a
 * file goes through its action (register, upload, ...), under its job's event handler's choices
 * for it (entry-plan.ts). An entry recorded as the other type (a directory replaced by a file of
 * the same name, or the reverse) first has the old copy removed through the job's delete mode,
 * since iRODS holds one thing per path; under `keep`, or when the old copy cannot go, the entry
 * fails with what is in its way (src/core/type-swap.ts).
 */
import type { JobConfig } from '../config/index.js';
import type { RecordedState } from '../core/decide.js';
import type { ObservedEntry } from '../core/entry.js';
import { sendsBytes } from '../core/job-rules.js';
import type { MappedPath } from '../core/names.js';
import { IN_THE_WAY, inTheWayMessage, SWAP_PLANS, swapPlan } from '../core/type-swap.js';
import type { Logger } from '../log.js';
import type { Counts } from '../core/counters.js';
import { syncFile } from './actions.js';
import type { WorkerDeps } from './context.js';
import { deleteEntry } from './deletes.js';
import { syncDirectory } from './directories.js';
import { asWorkerError, InTheWayError } from './errors.js';
import { planEntry, runPlanned, type EntryPlan } from './entry-plan.js';
import type { SiteHandler } from '../handlers/site-handler.js';

/** A batch entry with where it lives on this host and in iRODS. */
export interface SyncTarget extends MappedPath {
  /** The payload's text form (`encodeRelPath`). */
  readonly text: string;
  readonly relPath: Uint8Array;
  readonly sourcePath: string | Buffer;
  /** An earlier run lost the file's lock while acting on it: iRODS is compared first. */
  readonly recheck: boolean;
  /** This try's number (1 for the first). */
  readonly attempt: number;
}

/** The counts of what was done, or undefined when nothing was (in sync, or gone meanwhile). */
export async function syncEntry(
  deps: { readonly job: JobConfig; readonly logger: Logger },
  workerDeps: WorkerDeps,
  target: SyncTarget,
  entry: ObservedEntry,
  recorded: RecordedState | undefined,
  handler?: SiteHandler,
): Promise<Partial<Counts> | undefined> {
  const failure = { relPath: target.text, operation: deps.job.operation };
  let plan: EntryPlan;
  try {
    plan = await planEntry(deps.job, handler, entry, target.logicalPath, target.attempt);
  } catch (error) {
    throw asWorkerError(error, { ...failure, step: 'policy' });
  }
  if (plan.skipped) return { skipped: 1 };
  const planned = { ...failure, operation: plan.job.operation };
  return runPlanned(plan, { ...workerDeps, job: plan.job }, planned, (timed) =>
    syncPlanned(deps.logger, timed, { target, entry, recorded, plan }),
  );
}

async function syncPlanned(
  logger: Logger,
  workerDeps: WorkerDeps,
  {
    target,
    entry,
    recorded,
    plan,
  }: {
    target: SyncTarget;
    entry: ObservedEntry;
    recorded: RecordedState | undefined;
    plan: EntryPlan;
  },
): Promise<Partial<Counts> | undefined> {
  const { job } = workerDeps;
  const cleared = await clearSwapped(workerDeps, target, entry, recorded);
  const before = cleared === undefined ? recorded : undefined;
  const task = {
    entry,
    sourcePath: target.sourcePath,
    mapped: target.mapped,
    originalB64: target.originalB64,
    // The batch looked at all its files before the first one's action. A registration follows
    // its look within the batch's own time; an upload (or a content check), after the uploads
    // before it, so it looks again right before it reads the file and is decided on that.
    justObserved: !sendsBytes(job.operation),
    recheck: target.recheck,
    retried: target.attempt > 1,
    ...plan.task,
  };
  const outcome =
    entry.type === 'dir'
      ? await syncDirectory(workerDeps, task, before?.type === 'dir')
      : await syncFile(workerDeps, task, before);
  const removed = cleared === true ? { deleted: 1 } : {};
  const { action } = outcome;
  if (outcome.recorded !== undefined && (action.kind === 'adopt' || action.kind === 'keep')) {
    logger.debug(`${action.kind === 'adopt' ? 'adopted' : 'kept'} ${target.text}`, {
      job: job.name,
    });
    return { [action.kind === 'adopt' ? 'adopted' : 'kept']: 1, ...removed };
  }
  // A content check that found iRODS the same records the new stat and changes nothing there.
  if (outcome.recorded === undefined || action.kind === 'skip' || action.kind === 'check-content') {
    return cleared === true ? removed : undefined;
  }
  logger.debug(`${action.kind} ${target.text}`, { job: job.name });
  // A provisional state stood for no confirmed copy: the file is new to iRODS.
  const isNew = before === undefined || before.provisional === true;
  return { [isNew ? 'new' : 'updated']: 1, bytes: outcome.bytesSent, ...removed };
}

/**
 * Removes the copy of an entry recorded as the other type: undefined when there was none to
 * remove, else whether the removal took something away in iRODS. Throws InTheWayError when the
 * copy stays.
 */
async function clearSwapped(
  workerDeps: WorkerDeps,
  target: SyncTarget,
  entry: ObservedEntry,
  recorded: RecordedState | undefined,
): Promise<boolean | undefined> {
  const { job } = workerDeps;
  const observed = entry.type === 'dir' ? 'dir' : 'file';
  const plan = swapPlan(recorded?.type, observed, job.delete, job.operation);
  if (plan === SWAP_PLANS.none || recorded === undefined) return undefined;
  if (plan === SWAP_PLANS.forget) {
    await workerDeps.forget?.(target.relPath, recorded.type);
    return false;
  }
  const failure = { relPath: target.text, operation: job.operation, step: 'clear' };
  if (plan === SWAP_PLANS.blocked) {
    throw new InTheWayError(
      failure,
      inTheWayMessage(recorded.type, target.logicalPath, IN_THE_WAY.kept),
    );
  }
  const outcome = await deleteEntry(workerDeps, {
    relPath: target.relPath,
    logicalPath: target.logicalPath,
    type: recorded.type,
    state: recorded,
  });
  if (outcome.stays !== undefined) {
    throw new InTheWayError(
      failure,
      inTheWayMessage(recorded.type, target.logicalPath, outcome.stays),
    );
  }
  return outcome.removed;
}
