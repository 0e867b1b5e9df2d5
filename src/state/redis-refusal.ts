/**
 * Redis up and answering but refusing every write: at its memory limit under `noeviction`, unable
 * to write its AOF or snapshot (a full disk), or a read-only replica. Nothing the daemon retries
 * gets through until an operator acts, so workers wait instead of failing batch after batch.
 */
const REFUSALS: readonly (readonly [string, string])[] = [
  ['OOM ', 'raise its maxmemory, or free memory in it'],
  ['MISCONF ', 'is the disk of its data directory full?'],
  ['READONLY ', 'redis.url must lead to the primary, not a replica'],
];

/**
 * Why Redis refused a write, with what to do about it, or undefined when `error` is something
 * else. A transaction's EXECABORT carries the refusal among its `previousErrors` (ioredis).
 */
export function redisRefusal(error: unknown): string | undefined {
  const previous =
    error instanceof Error ? (error as { previousErrors?: unknown[] }).previousErrors : [];
  const causes = [error, ...(previous ?? [])];
  for (const cause of causes) {
    if (!(cause instanceof Error)) continue;
    for (const [prefix, remedy] of REFUSALS) {
      if (!cause.message.startsWith(prefix)) continue;
      // A script's error goes on with where in the script it arose: no help to an operator.
      const said = cause.message.replace(/\.?( script: .*)?$/s, '');
      return `Redis refuses writes (${said}): ${remedy}`;
    }
  }
  return undefined;
}
