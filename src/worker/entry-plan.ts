/**
 * One batch entry as its job's settings and event handler have it done: the handler's per-file
 * choices (operation, resource, logical and physical path, AVUs) applied to what the worker acts
 * on, `physical_source` for registrations, the entry's own retry policy on its failures, and
 * its time limit (the handler's `timeout`, else the job's `file_timeout`) around the whole action,
 * hooks included. A handler error becomes a failure of the entry alone.
 */
import type { JobConfig } from '../config/index.js';
import type { ObservedEntry } from '../core/entry.js';
import { registers } from '../core/job-rules.js';
import { registeredPathOf } from '../core/ownership.js';
import { mergeAvus, type AvuValue } from '../core/policy-results.js';
import { describeEntry, describeGone } from '../handlers/file-info.js';
import { HandlerHooks } from '../handlers/hooks.js';
import { filePolicy, goneTargetPath, physicalPathFor } from '../handlers/policy.js';
import type { SiteHandler } from '../handlers/site-handler.js';
import type { IrodsClient } from '../irods/index.js';
import type { Logger } from '../log.js';
import type { EntryTask, WorkerDeps } from './context.js';
import { asWorkerError, type TimeLimit, type WorkerError } from './errors.js';
import { withinFileTimeout } from './file-timeout.js';

/** What the worker needs of a job's handler for a batch: its hooks, and where gone entries are. */
export function handlerDeps(
  handler: SiteHandler | undefined,
  job: JobConfig,
  client: IrodsClient,
  logger: Logger,
): Pick<WorkerDeps, 'hooks' | 'gone'> {
  if (handler === undefined) return {};
  return {
    hooks: new HandlerHooks(handler, job, client, logger),
    gone: {
      describe: (relPath, state) => describeGone(job.source, relPath, state),
      logicalPath: (entry) => goneTargetPath(handler, job, entry),
      physicalPath: (entry) => physicalPathFor(handler, entry),
    },
  };
}

/** What the entry's action runs with. */
export interface EntryPlan {
  /** The handler chose operation `none`: nothing is done. */
  readonly skipped: boolean;
  /** The job as it applies to this entry (its operation and resource). */
  readonly job: JobConfig;
  readonly task: Pick<EntryTask, 'logicalPath' | 'physicalPath' | 'avus' | 'file'>;
  readonly maxAttempts?: number;
  readonly retryDelayMs?: number;
  readonly timeLimit?: TimeLimit;
}

/**
 * The plan for `entry`, whose mirror path is `logicalPath`; `attempt` is this try's number.
 * Throws a WorkerError when the handler fails or answers what cannot be used.
 */
export async function planEntry(
  job: JobConfig,
  handler: SiteHandler | undefined,
  entry: ObservedEntry,
  logicalPath: string,
  attempt: number,
): Promise<EntryPlan> {
  const physicalSource =
    job.physical_source === '' ? undefined : registeredPathOf(job.physical_source, entry.relPath);
  const mirror = {
    logicalPath,
    ...(physicalSource === undefined ? {} : { physicalPath: physicalSource }),
  };
  const jobLimit: TimeLimit | undefined =
    job.file_timeout === 0 ? undefined : { ms: job.file_timeout, setBy: "the job's file_timeout" };
  if (handler === undefined) {
    return {
      skipped: false,
      job,
      task: mirror,
      ...(jobLimit === undefined ? {} : { timeLimit: jobLimit }),
    };
  }
  const file = await describeEntry(job, entry);
  const policy = await filePolicy(handler, job, file, attempt);
  const own = { ...job, operation: policy.operation, resource: policy.resource };
  const physicalPath = registers(policy.operation)
    ? (policy.physicalPath ?? physicalSource)
    : undefined;
  return {
    skipped: policy.skipped,
    job: own,
    task: {
      file,
      logicalPath: policy.logicalPath ?? logicalPath,
      ...(physicalPath === undefined ? {} : { physicalPath }),
      ...(policy.avus === undefined ? {} : { avus: entryAvus(job, entry, policy.avus) }),
    },
    ...(policy.maxAttempts === undefined ? {} : { maxAttempts: policy.maxAttempts }),
    ...(policy.retryDelayMs === undefined ? {} : { retryDelayMs: policy.retryDelayMs }),
    ...(policy.timeoutMs === undefined
      ? jobLimit === undefined
        ? {}
        : { timeLimit: jobLimit }
      : { timeLimit: { ms: policy.timeoutMs, setBy: "its handler's timeout" } }),
  };
}

/**
 * A data object gets the job's AVUs with the handler's (which win on an attribute); a collection
 * only the handler's, as the job's are for data objects.
 */
function entryAvus(job: JobConfig, entry: ObservedEntry, avus: AvuValue[]): AvuValue[] {
  return entry.type === 'dir' ? avus : mergeAvus(job.metadata, avus);
}

/**
 * Runs `act` within the plan's time limit (worker/file-timeout.ts); a failure carries the entry's
 * own retry policy.
 */
export async function runPlanned<T>(
  plan: Pick<EntryPlan, 'maxAttempts' | 'retryDelayMs' | 'timeLimit'>,
  workerDeps: WorkerDeps,
  failure: { relPath: string; operation: string },
  act: (deps: WorkerDeps) => Promise<T>,
): Promise<T> {
  try {
    return await withinFileTimeout(
      workerDeps,
      plan.timeLimit,
      { ...failure, step: 'timeout' },
      act,
    );
  } catch (error) {
    throw withRetryPolicy(asWorkerError(error, { ...failure, step: 'policy' }), plan);
  }
}

/** The error, with the entry's own retry policy for the caller's retry decision. */
export function withRetryPolicy(
  error: WorkerError,
  plan: Pick<EntryPlan, 'maxAttempts' | 'retryDelayMs'>,
): WorkerError {
  error.maxAttempts ??= plan.maxAttempts;
  error.retryDelayMs ??= plan.retryDelayMs;
  return error;
}
