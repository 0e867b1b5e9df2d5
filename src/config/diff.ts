/**
 * What a reload changes: jobs added, removed and changed (compared whole, so any key of a job
 * counts), and the keys outside the jobs that only take effect when the daemon restarts. Pure.
 */
import { isDeepStrictEqual } from 'node:util';
import type { Config } from './index.js';

export interface ConfigDiff {
  readonly added: string[];
  readonly removed: string[];
  readonly changed: string[];
  /** Changed keys the running daemon keeps its old value of, e.g. "redis.url". */
  readonly needsRestart: string[];
}

/**
 * Keys applied while running: everything else outside [[job]] waits for a restart. The ad-hoc
 * bounds are read at each `start`; jobs started before keep running (a reload drops them).
 */
const LIVE_KEYS: ReadonlySet<string> = new Set([
  'daemon.log_level',
  'daemon.adhoc_sources',
  'daemon.adhoc_targets',
  'daemon.handler_dirs',
]);

export function diffConfig(before: Config, after: Config): ConfigDiff {
  const old = new Map(before.job.map((job) => [job.name, job]));
  const now = new Map(after.job.map((job) => [job.name, job]));
  const added = [...now.keys()].filter((name) => !old.has(name));
  const removed = [...old.keys()].filter((name) => !now.has(name));
  const changed = [...now.keys()].filter(
    (name) =>
      old.has(name) && !isDeepStrictEqual(comparable(old.get(name)), comparable(now.get(name))),
  );
  const needsRestart: string[] = [];
  for (const table of ['daemon', 'redis', 'irods'] as const) {
    const a = before[table] as Record<string, unknown>;
    const b = after[table] as Record<string, unknown>;
    for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
      const name = `${table}.${key}`;
      if (!LIVE_KEYS.has(name) && !isDeepStrictEqual(comparable(a[key]), comparable(b[key]))) {
        needsRestart.push(name);
      }
    }
  }
  return { added, removed, changed, needsRestart };
}

/** Secrets compare by what they hold, not by object identity. */
function comparable(value: unknown): unknown {
  if (typeof value === 'object' && value !== null && 'reveal' in value) {
    return (value as { reveal(): string }).reveal();
  }
  return value;
}
