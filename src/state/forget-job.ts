/**
 * Everything a job left in Redis, found and removed for `irods-ingestctl forget` once the job is
 * no longer configured: its state under `P:` (recorded entries, failures, handles, marks, pass
 * record, source record, deletes held), its BullMQ queue, and its claim on a target. Keys are
 * found with SCAN (never KEYS, which would stall a Redis shared with live jobs) and unlinked in
 * slices, so a long list costs no long command.
 */
import type { Redis } from 'ioredis';
import { queuePrefix, StateKeys } from './keys.js';

const SCAN_COUNT = 1000;

/** A SCAN MATCH pattern for keys starting with `text` (glob characters in it taken literally). */
function startingWith(text: string): string {
  return `${text.replace(/[*?[\]\\]/g, (char) => `\\${char}`)}*`;
}

/** A job's name and the name of its BullMQ queue (queue/queue.ts queueName). */
export interface JobNames {
  readonly name: string;
  readonly queue: string;
}

/** The patterns of every key of the job under `prefix`. */
export function jobKeyPatterns(prefix: string, job: JobNames): string[] {
  return [
    startingWith(`${new StateKeys(prefix, job.name).stem}:`),
    startingWith(`${queuePrefix(prefix)}:${job.queue}:`),
  ];
}

/** The keys of the job (see jobKeyPatterns). */
export async function jobKeys(redis: Redis, prefix: string, job: JobNames): Promise<string[]> {
  const keys: string[] = [];
  for (const pattern of jobKeyPatterns(prefix, job)) {
    for await (const slice of redis.scanStream({ match: pattern, count: SCAN_COUNT })) {
      keys.push(...(slice as string[]));
    }
  }
  return keys;
}

/**
 * Removes every key of the job and its target claim; resolves with how many keys went, or with
 * the owner of a live claim on the job's target: a daemon elsewhere on this Redis runs the job,
 * and nothing is removed.
 */
export async function forgetJobKeys(
  redis: Redis,
  prefix: string,
  job: JobNames,
): Promise<{ keys: number } | { claimedBy: string }> {
  const claim = await redis.hget(`${prefix}:~targets`, job.name);
  if (claim !== null) {
    const { owner, expires } = JSON.parse(claim) as { owner: string; expires: number };
    if (expires > Date.now()) return { claimedBy: owner };
  }
  const keys = await jobKeys(redis, prefix, job);
  for (let at = 0; at < keys.length; at += SCAN_COUNT) {
    await redis.unlink(...keys.slice(at, at + SCAN_COUNT));
  }
  await redis.hdel(`${prefix}:~targets`, job.name);
  return { keys: keys.length };
}
