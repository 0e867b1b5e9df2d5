/**
 * The job's target collection, made sure of before every pass, as upstream creates it even for
 * an empty source.
 */
import type { JobConfig } from '../config/index.js';
import { OPERATIONS } from '../core/job-rules.js';
import { describeEntry } from '../handlers/file-info.js';
import { HandlerHooks } from '../handlers/hooks.js';
import { HOOK_EVENTS } from '../handlers/members.js';
import { handlerFor, type HandlerLookup } from '../handlers/registry.js';
import type { IrodsClient } from '../irods/index.js';
import type { Logger } from '../log.js';
import { observe } from '../sources/observe.js';

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
