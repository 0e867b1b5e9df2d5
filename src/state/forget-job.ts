/**
 * Everything a job left in Redis, found and removed for `irods-ingestctl forget` once the job is
 * no longer configured: its state under `P:` (recorded entries, failures, handles, marks, pass
 * record, source record, deletes held), its BullMQ queue, its claim on a target, and its shared
 * definition (so worker hosts stop working its queue). Keys are
 * found with SCAN (never KEYS, which would stall a Redis shared with live jobs) and unlinked in
 * slices, so a long list costs no long command.
 */
import type { RedisClient } from './connection.js';
import { queueKeyPattern, StateKeys } from './keys.js';
import { JobDefinitions } from './job-definitions.js';
import { scanKeys } from './scan.js';
import { JobRegistry, workedJobs } from './job-registry.js';
import { TargetClaims } from './target-claims.js';

/** A job's name and the name of its BullMQ queue (queue/queue.ts queueName). */
export interface JobNames {
  readonly name: string;
  readonly queue: string;
}

/** The patterns of every key of the job under `prefix`. */
function jobKeyPatterns(prefix: string, job: JobNames): string[] {
  return [new StateKeys(prefix, job.name).jobKeyPattern, queueKeyPattern(prefix, job.queue)];
}

/** The keys of the job, a SCAN page at a time. */
async function* jobKeyPages(
  redis: RedisClient,
  prefix: string,
  job: JobNames,
): AsyncGenerator<string[]> {
  for (const pattern of jobKeyPatterns(prefix, job)) {
    yield* scanKeys(redis, pattern);
  }
}

/** The keys of the job (see jobKeyPatterns). */
export async function jobKeys(
  redis: RedisClient,
  prefix: string,
  job: JobNames,
): Promise<string[]> {
  const keys: string[] = [];
  for await (const page of jobKeyPages(redis, prefix, job)) keys.push(...page);
  return keys;
}

/**
 * Removes every key of the job and its target claim; resolves with how many keys went, or with
 * the owner of a live claim on the job's target: a daemon elsewhere on this Redis runs the job,
 * and nothing is removed.
 */
export async function forgetJobKeys(
  redis: RedisClient,
  prefix: string,
  job: JobNames,
): Promise<{ keys: number } | { claimedBy: string }> {
  const claims = new TargetClaims(redis, prefix);
  const claimedBy = await claims.liveOwner(job.name);
  if (claimedBy !== undefined) return { claimedBy };
  // Worker hosts work a job's queue while its scanning daemon is away (a restart): its state is
  // in use. A stored definition alone is not: a daemon taken out of service leaves its own.
  if ((await workedJobs(redis, prefix)).has(job.name))
    return { claimedBy: 'a worker host working its queue' };
  let removed = 0;
  // Each page is unlinked as it comes, so a job of millions of keys never sits in memory at once.
  for await (const page of jobKeyPages(redis, prefix, job)) {
    if (page.length === 0) continue;
    await redis.unlink(...page);
    removed += page.length;
  }
  await claims.drop(job.name);
  await new JobDefinitions(redis, prefix).drop(job.name);
  await new JobRegistry(redis, prefix).remove(job.name);
  return { keys: removed };
}
