/**
 * An ad-hoc job (`irods-ingestctl start`, `POST /v1/jobs`): one `[[job]]` table given as JSON,
 * validated exactly as it would be in a config file next to the running jobs (same schema, same
 * cross-checks: unique name, target inside the zone, delete mode allowed for the operation).
 */
import { crossCheck } from './cross-checks.js';
import { findingsOf, type Finding } from './issues.js';
import { formatPath } from './key-path.js';
import { isTable } from './merge.js';
import type { Config, JobConfig } from './index.js';
import { jobSchema } from './schema.js';

export type JobSpecResult = { job: JobConfig } | { problems: string[] };

export function validateJobSpec(spec: unknown, config: Config): JobSpecResult {
  if (!isTable(spec)) return { problems: ['a job is a JSON object of [[job]] keys'] };
  const index = config.job.length;
  const siblings = config.job.map(({ name, target, operation, delete: mode }) => ({
    name,
    target,
    operation,
    delete: mode,
  }));
  const findings: Finding[] = crossCheck({
    irods: { zone: config.irods.zone },
    job: [...siblings, spec],
  })
    .filter(({ path }) => path[1] === index)
    .map(({ path, message }) => ({ path: path.slice(2), message }));
  const parsed = jobSchema.safeParse(spec);
  if (!parsed.success) {
    findings.push(...parsed.error.issues.flatMap((issue) => findingsOf(issue, spec)));
  }
  if (findings.length > 0 || !parsed.success) {
    return { problems: findings.map(({ path, message }) => `job.${formatPath(path)}: ${message}`) };
  }
  const job = parsed.data;
  return { job: { ...job, resource: job.resource || config.irods.default_resource } };
}
