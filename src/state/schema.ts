/**
 * The version of the Redis layout (keys.ts), so that a daemon never misreads state written by
 * another version of itself. It lives in one key, `<prefix>:~schema` (`~` cannot occur in a job
 * name, so no job's keys fall under it).
 *
 * At start the daemon brings the layout up to SCHEMA_VERSION with the migrations below, one
 * version at a time, or refuses to start when the state is newer than it understands. A prefix
 * that holds keys but no version was written before versions existed: that is version 1.
 *
 * A change to the layout bumps SCHEMA_VERSION and adds the migration from the version before,
 * with a test that writes the old layout and reads it back through the new code.
 */
import type { RedisClient } from './connection.js';
import { IngestError } from '../errors.js';
import { registerExistingJobs } from './job-registry.js';
import { startingWith } from './keys.js';
import { scanKeys } from './scan.js';

export const SCHEMA_VERSION = 4;

/** The layout before versions were recorded (every layout up to this daemon's first release). */
const UNVERSIONED = 1;

export interface Migration {
  /** Brings a prefix from version `to - 1` to `to`; must be safe to run again after a crash. */
  readonly to: number;
  readonly what: string;
  run(redis: RedisClient, prefix: string): Promise<void>;
}

/** Migrations in order, the one to version n at index n - 2. */
export const MIGRATIONS: readonly Migration[] = [
  {
    // Version 2 adds provisional file states (`p` values in the directory hashes, pack.ts),
    // which a version 1 daemon cannot read. Version 1 state holds none: nothing to rewrite, and
    // the version number keeps an older daemon from starting on state that may hold them.
    to: 2,
    what: 'provisional file states',
    run: () => Promise.resolve(),
  },
  {
    // Version 3 keeps the names of the jobs with state in `<prefix>:~job-names` (job-registry.ts);
    // the jobs already there are found once, here, so that status can list leftovers.
    to: 3,
    what: 'registry of job names',
    run: registerExistingJobs,
  },
  {
    // Version 4 splits a directory's hashes one shard at a time (dir-scripts.ts), so a shard
    // count need not be a power of two, which a version 3 daemon would misread. Version 3 state
    // holds powers of two only, read the same way: nothing to rewrite.
    to: 4,
    what: 'directories that split shard by shard',
    run: () => Promise.resolve(),
  },
];

export class SchemaError extends IngestError {
  readonly found: number;

  constructor(message: string, found: number) {
    super('STATE_SCHEMA', message);
    this.found = found;
  }
}

export function schemaKey(prefix: string): string {
  return `${prefix}:~schema`;
}

/**
 * Checks the layout under `prefix` and migrates it to SCHEMA_VERSION; returns the version found.
 * Several daemons sharing the Redis may start at once: the version is set only if still absent
 * (SET NX), and every migration step is idempotent.
 */
export async function ensureSchema(
  redis: RedisClient,
  prefix: string,
  migrations: readonly Migration[] = MIGRATIONS,
  current = SCHEMA_VERSION,
): Promise<number> {
  const key = schemaKey(prefix);
  let found = await readVersion(redis, key);
  if (found === undefined) {
    found = (await holdsKeys(redis, prefix)) ? UNVERSIONED : current;
    await redis.set(key, String(found), 'NX');
    found = (await readVersion(redis, key)) ?? found;
  }
  if (found > current) {
    throw new SchemaError(
      `the Redis state under "${prefix}" has layout version ${found}, newer than the ${current} this daemon reads; run the newer irods-ingestd (or point redis.key_prefix elsewhere)`,
      found,
    );
  }
  for (let version = found; version < current; version++) {
    const migration = migrations.find((step) => step.to === version + 1);
    if (migration === undefined) {
      throw new SchemaError(
        `the Redis state under "${prefix}" has layout version ${version} and this daemon has no migration from it`,
        found,
      );
    }
    await migration.run(redis, prefix);
    await redis.set(key, String(migration.to));
  }
  return found;
}

/**
 * Refuses to start on a prefix whose state lies in the other topology's layout: a Redis Cluster
 * keeps the keys of `key_prefix` under `{key_prefix}:` (connection.ts), a single server or
 * Sentinel under `key_prefix:`. State found only there (a site moved between them with its
 * data) would otherwise be passed over for a fresh start, with its delete-safety records.
 */
export async function refuseOtherLayout(
  redis: RedisClient,
  prefix: string,
  otherPrefix: string,
): Promise<void> {
  if ((await redis.exists(schemaKey(prefix))) === 1) return;
  if ((await redis.exists(schemaKey(otherPrefix))) === 0 && !(await holdsKeys(redis, otherPrefix)))
    return;
  throw new SchemaError(
    `the Redis state of this key prefix lies under "${otherPrefix}:", in the layout of another Redis topology (a Redis Cluster keeps it under "{key_prefix}:", a single server or Sentinel under "key_prefix:"), and this daemon reads "${prefix}:"; move the state with the Redis it was written on, or set another redis.key_prefix to start afresh`,
    0,
  );
}

async function readVersion(redis: RedisClient, key: string): Promise<number | undefined> {
  const text = await redis.get(key);
  if (text === null) return undefined;
  const version = Number(text);
  if (!Number.isInteger(version) || version < 1) {
    throw new SchemaError(`unreadable layout version in ${key}: ${JSON.stringify(text)}`, 0);
  }
  return version;
}

/** Whether anything is stored under the prefix (one SCAN page at a time, stopping at the first). */
async function holdsKeys(redis: RedisClient, prefix: string): Promise<boolean> {
  for await (const page of scanKeys(redis, startingWith(`${prefix}:`))) {
    if (page.length > 0) return true;
  }
  return false;
}
