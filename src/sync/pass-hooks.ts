/**
 * A job's handler around its passes: `operation` asked for the entries a pass finds changed
 * (PassContext.operationOf), and the `prePass` and `postPass` hooks (the target collection's
 * hooks run in worker/target.ts, which acts on iRODS). The handler is looked up at
 * each use, so a reload that installs another takes effect at the next pass.
 */
import type { JobConfig } from '../config/index.js';
import type { Counts } from '../core/counters.js';
import type { ObservedEntry } from '../core/entry.js';
import { OPERATIONS, type Operation } from '../core/job-rules.js';
import { describeEntry } from '../handlers/file-info.js';
import { passHook } from '../handlers/hooks.js';
import { operationFor } from '../handlers/policy.js';
import { handlerFor, type HandlerLookup } from '../handlers/registry.js';
import type { Logger } from '../log.js';

/**
 * The operation watch events are decided on: a job's own, or with a handler (which may choose
 * another per file) one that has every change queued; its worker asks the handler.
 */
export function watchedOperation(job: JobConfig): Operation {
  return job.handler === '' ? job.operation : OPERATIONS.putSync;
}

/** PassContext.operationOf for the job; undefined when it has no handler. */
export function passOperations(
  job: JobConfig,
  lookup: HandlerLookup | undefined,
): ((entry: ObservedEntry) => Promise<Operation | undefined>) | undefined {
  if (job.handler === '') return undefined;
  return async (entry) => {
    const handler = handlerFor(job.handler, lookup);
    if (handler === undefined || !handler.has('operation')) return undefined;
    return operationFor(handler, job, await describeEntry(job, entry));
  };
}

/** `prePass`: its failure is the pass's (thrown; the pass is tried again later). */
export async function beforePass(
  job: JobConfig,
  lookup: HandlerLookup | undefined,
  pass: number,
  counts: Counts,
  logger: Logger,
): Promise<void> {
  const handler = handlerFor(job.handler, lookup);
  if (handler !== undefined) await passHook(handler, 'prePass', job, pass, counts, logger);
}

/** `postPass`: the pass is done whatever it does; its failure is logged. */
export async function afterPass(
  job: JobConfig,
  lookup: HandlerLookup | undefined,
  pass: number,
  counts: Counts,
  logger: Logger,
): Promise<void> {
  try {
    const handler = handlerFor(job.handler, lookup);
    if (handler !== undefined) await passHook(handler, 'postPass', job, pass, counts, logger);
  } catch (error) {
    logger.warn(`job ${job.name} pass ${pass}: ${(error as Error).message}`, { job: job.name });
  }
}
