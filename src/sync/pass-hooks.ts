/**
 * A job's handler around its passes: `operation` asked for the entries a pass finds changed
 * (PassContext.operationOf), and the `prePass` and `postPass` hooks. The handler is looked up at
 * each use, so a reload that installs another takes effect at the next pass.
 */
import type { JobConfig } from '../config/index.js';
import type { ObservedEntry } from '../core/entry.js';
import { OPERATIONS, type Operation } from '../core/job-rules.js';
import { describeEntry } from '../handlers/file-info.js';
import { HandlerHooks, passHook, type PassTotals } from '../handlers/hooks.js';
import { HOOK_EVENTS } from '../handlers/members.js';
import { operationFor } from '../handlers/policy.js';
import { handlerFor, type HandlerLookup } from '../handlers/registry.js';
import type { IrodsClient } from '../irods/index.js';
import type { Logger } from '../log.js';
import { observe } from '../sources/observe.js';

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

/**
 * Makes sure the job's target collection exists, as upstream creates it even for an empty
 * source. Creating it is the source root's collection create: the handler's hooks run around it
 * (once, when the collection is not there yet), and a pre hook that fails fails the pass.
 * Operation `none` leaves iRODS untouched.
 */
export async function ensureTarget(
  job: JobConfig,
  lookup: HandlerLookup | undefined,
  client: IrodsClient,
  logger: Logger,
): Promise<void> {
  if (job.operation === OPERATIONS.none) return;
  const handler = handlerFor(job.handler, lookup);
  const hooked = handler?.has('preCollCreate') === true || handler?.has('postCollCreate') === true;
  if (handler === undefined || !hooked || (await client.collections.stat(job.target))) {
    await client.collections.ensure(job.target);
    return;
  }
  const root = await observe(job.source, new Uint8Array(0), job.follow_symlinks);
  if (root === undefined) throw new Error(`the source ${job.source} is gone`);
  const file = await describeEntry(job, root);
  const hooks = new HandlerHooks(handler, job, client, logger);
  await hooks.before(HOOK_EVENTS.collCreate, file, job.target);
  await client.collections.ensure(job.target);
  await hooks.after(HOOK_EVENTS.collCreate, file, job.target);
}

/** `prePass`: its failure is the pass's (thrown; the pass is tried again later). */
export async function beforePass(
  job: JobConfig,
  lookup: HandlerLookup | undefined,
  pass: number,
  counts: PassTotals,
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
  counts: PassTotals,
  logger: Logger,
): Promise<void> {
  try {
    const handler = handlerFor(job.handler, lookup);
    if (handler !== undefined) await passHook(handler, 'postPass', job, pass, counts, logger);
  } catch (error) {
    logger.warn(`job ${job.name} pass ${pass}: ${(error as Error).message}`, { job: job.name });
  }
}
