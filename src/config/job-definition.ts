/**
 * A job's effective definition as it is kept in Redis for the worker hosts (state/
 * job-definitions.ts): JSON of `{ format, origin, owner, job }`, where `job` is the validated
 * `[[job]]` table with every key written out (defaults applied, the resource filled in, durations
 * spelt as in TOML), so that a worker reads it back through the same schema a config file goes
 * through and gets the same JobConfig.
 *
 * `format` versions this shape. A reader refuses a definition of a newer format, or one whose job
 * has keys or values it does not know (the schema is strict), instead of misreading it: the job is
 * then reported as unusable on that host and left to the daemons that can work it.
 *
 * No secret is part of a job: passwords live in [irods] and [redis], and an S3 job names only where
 * its credentials are (`s3.credentials_file`, a path each host resolves on its own disk, or
 * $CREDENTIALS_DIRECTORY and the SDK's chain); the credentials themselves never leave the host.
 */
import { deepFreeze } from '../core/deep-freeze.js';
import { formatDuration } from '../core/duration.js';
import { findingsOf } from './issues.js';
import type { JobConfig } from './index.js';
import { formatPath } from './key-path.js';
import { isTable } from './merge.js';
import { jobSchema } from './schema.js';

/** The shape this daemon writes and the newest it reads. */
export const DEFINITION_FORMAT = 1;

/** Where a job comes from: a config file, or `irods-ingestctl start` (kept until `stop`). */
export const JOB_ORIGINS = { config: 'config', adhoc: 'adhoc' } as const;
export type JobOrigin = (typeof JOB_ORIGINS)[keyof typeof JOB_ORIGINS];

/** The keys of a job that hold durations (milliseconds in JobConfig, text in TOML). */
const DURATION_KEYS = [
  'rescan_interval',
  'settle',
  'retry_delay',
  'retry_max_delay',
  'file_timeout',
] as const;

export interface JobDefinition {
  readonly origin: JobOrigin;
  /** The daemon that wrote it (its stable identity, see daemon-jobs.ts). */
  readonly owner: string;
  readonly job: JobConfig;
}

export type DecodedDefinition = { definition: JobDefinition } | { problem: string };

/** The job as a `[[job]]` table: what a config file (or `start`) would say to get exactly it. */
export function jobTable(job: JobConfig): Record<string, unknown> {
  const table: Record<string, unknown> = { ...job };
  for (const key of DURATION_KEYS) table[key] = formatDuration(job[key]);
  return table;
}

export function encodeDefinition(job: JobConfig, origin: JobOrigin, owner: string): string {
  return JSON.stringify({ format: DEFINITION_FORMAT, origin, owner, job: jobTable(job) });
}

/** The definition in `text`, or why this daemon cannot use it. */
export function decodeDefinition(text: string): DecodedDefinition {
  let stored: unknown;
  try {
    stored = JSON.parse(text);
  } catch {
    return { problem: 'its stored definition is not JSON' };
  }
  if (!isTable(stored) || typeof stored.format !== 'number') {
    return { problem: 'its stored definition has no format version' };
  }
  if (stored.format > DEFINITION_FORMAT) {
    return {
      problem: `its definition was written by a newer irods-ingestd (format ${stored.format}; this one reads up to ${DEFINITION_FORMAT})`,
    };
  }
  const { origin, owner } = stored;
  if (origin !== JOB_ORIGINS.config && origin !== JOB_ORIGINS.adhoc) {
    return { problem: `its definition has an unknown origin ${JSON.stringify(origin)}` };
  }
  if (typeof owner !== 'string') return { problem: 'its definition names no owner' };
  const parsed = jobSchema.safeParse(stored.job);
  if (!parsed.success) {
    const problems = parsed.error.issues
      .flatMap((issue) => findingsOf(issue, stored.job))
      .map(({ path, message }) => `job.${formatPath(path)}: ${message}`);
    return { problem: `this irods-ingestd cannot run its definition: ${problems.join('; ')}` };
  }
  return { definition: { origin, owner, job: deepFreeze(parsed.data) } };
}
