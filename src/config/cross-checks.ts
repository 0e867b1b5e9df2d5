/**
 * Rules that span keys, checked on the merged data before (and independently of) the schema, so
 * their problems come out together with the schema's. Each rule looks only at values that are
 * already of the right type and vocabulary; anything else is the schema's to report.
 */
import {
  DELETE_MODES,
  OPERATIONS,
  allowedDeleteModes,
  registers,
  targetOverlap,
  targetProblem,
  trimTrailingSlashes,
} from '../core/job-rules.js';
import { parseDuration } from '../core/duration.js';
import { isS3Source } from '../core/s3-keys.js';
import {
  S3_TABLE_WITHOUT_S3_SOURCE,
  s3OperationProblem,
  s3WatchProblem,
} from '../core/s3-rules.js';
import type { Finding } from './issues.js';
import { isTable, type Table } from './merge.js';

export function crossCheck(data: Table): Finding[] {
  const findings: Finding[] = isTable(data.redis) ? redisFindings(data.redis) : [];
  const irods = isTable(data.irods) ? data.irods : {};
  const zone = typeof irods.zone === 'string' && irods.zone !== '' ? irods.zone : undefined;
  const jobs = Array.isArray(data.job) ? data.job : [];
  const firstWithName = new Map<string, number>();
  const targets: { name: string; target: string }[] = [];
  jobs.forEach((job: unknown, index) => {
    if (!isTable(job)) return;
    if (typeof job.name === 'string') {
      const first = firstWithName.get(job.name);
      if (first === undefined) firstWithName.set(job.name, index);
      else
        findings.push({ path: ['job', index, 'name'], message: duplicateMessage(job.name, first) });
    }
    if (typeof job.target === 'string') {
      const target = trimTrailingSlashes(job.target);
      const shape = targetProblem(target, zone);
      const problem = shape ?? overlapMessage(target, targets);
      if (problem !== undefined)
        findings.push({ path: ['job', index, 'target'], message: problem });
      const name = typeof job.name === 'string' ? job.name : `job[${index}]`;
      if (shape === undefined) targets.push({ name, target });
    }
    const pairing = deleteModeMessage(
      job.operation ?? OPERATIONS.register,
      job.delete ?? DELETE_MODES.keep,
    );
    if (pairing !== undefined) findings.push({ path: ['job', index, 'delete'], message: pairing });
    findings.push(...s3Findings(job, index));
    const backoff = backoffMessage(job.retry_delay, job.retry_max_delay);
    if (backoff !== undefined) {
      findings.push({ path: ['job', index, 'retry_max_delay'], message: backoff });
    }
    const physical = physicalSourceMessage(
      job.operation ?? OPERATIONS.register,
      job.physical_source,
      job.source,
    );
    if (physical !== undefined) {
      findings.push({ path: ['job', index, 'physical_source'], message: physical });
    }
  });
  return findings;
}

/** What an S3 source does not allow, and an `[job.s3]` table on a job that is not one. */
function s3Findings(job: Table, index: number): Finding[] {
  if (typeof job.source !== 'string') return [];
  if (!isS3Source(job.source)) {
    return job.s3 === undefined
      ? []
      : [{ path: ['job', index, 's3'], message: S3_TABLE_WITHOUT_S3_SOURCE }];
  }
  const findings: Finding[] = [];
  const operation =
    typeof job.operation === 'string' ? s3OperationProblem(job.operation) : undefined;
  if (operation !== undefined)
    findings.push({ path: ['job', index, 'operation'], message: operation });
  const watch = s3WatchProblem(job.watch);
  if (watch !== undefined) findings.push({ path: ['job', index, 'watch'], message: watch });
  return findings;
}

/**
 * Why `target` may not be used next to the targets of the jobs before it. A job deletes in its
 * target what its own source lacks, so two jobs sharing a collection would delete each other's
 * objects.
 */
function overlapMessage(
  target: string,
  others: readonly { name: string; target: string }[],
): string | undefined {
  for (const other of others) {
    const relation = targetOverlap(target, other.target);
    if (relation === undefined) continue;
    const where =
      relation === 'equal'
        ? `is the target of job "${other.name}" too`
        : relation === 'inside'
          ? `lies inside the target of job "${other.name}" (${other.target})`
          : `holds the target of job "${other.name}" (${other.target})`;
    return `${where}; the targets of two jobs may not be equal or nested, since each job deletes in its target what its own source lacks`;
  }
  return undefined;
}

function backoffMessage(delay: unknown, maxDelay: unknown): string | undefined {
  if (typeof delay !== 'string' || typeof maxDelay !== 'string') return undefined;
  const first = parseDuration(delay);
  const most = parseDuration(maxDelay);
  if (first === undefined || most === undefined || most >= first) return undefined;
  return `must not be shorter than retry_delay (${delay}): the backoff grows from retry_delay up to this`;
}

function duplicateMessage(name: string, first: number): string {
  return `duplicate job name ${JSON.stringify(name)} (first used by job[${first}]); job names must be unique`;
}

function deleteModeMessage(operation: unknown, mode: unknown): string | undefined {
  if (!isOneOf(operation, OPERATIONS) || !isOneOf(mode, DELETE_MODES)) return undefined;
  const allowed = allowedDeleteModes(operation);
  if (allowed.includes(mode)) return undefined;
  return `"${mode}" is not allowed with operation "${operation}" (allowed: ${allowed.join(', ')})`;
}

/** Only registrations record a physical path; elsewhere the key would silently do nothing. */
function physicalSourceMessage(
  operation: unknown,
  physicalSource: unknown,
  source: unknown,
): string | undefined {
  if (typeof physicalSource !== 'string' || physicalSource === '') return undefined;
  if (typeof source === 'string' && isS3Source(source)) {
    return 'does not apply to an s3:// source: its objects are registered at their bucket and key';
  }
  if (!isOneOf(operation, OPERATIONS) || registers(operation)) return undefined;
  return `applies to the register operations only (register, register_replica), not to "${operation}": uploads have no physical path of their own`;
}

function isOneOf<T extends string>(
  value: unknown,
  vocabulary: Readonly<Record<string, T>>,
): value is T {
  return typeof value === 'string' && (Object.values(vocabulary) as string[]).includes(value);
}

/**
 * `[redis]` names one way to reach Redis: `url`, `sentinels` + `sentinel_master`, or
 * `cluster_nodes`. A second one is refused rather than silently ignored.
 */
function redisFindings(redis: Table): Finding[] {
  const findings: Finding[] = [];
  const at = (key: string, message: string) => findings.push({ path: ['redis', key], message });
  const sentinels = redis.sentinels !== undefined;
  const cluster = redis.cluster_nodes !== undefined;
  if (sentinels && cluster) {
    at('cluster_nodes', 'cannot be combined with redis.sentinels: set one of them');
  }
  if ((sentinels || cluster) && redis.url !== undefined) {
    const other = cluster ? 'redis.cluster_nodes' : 'redis.sentinels';
    at('url', `must not be set together with ${other}, which names the servers`);
  }
  if (sentinels && redis.sentinel_master === undefined) {
    at(
      'sentinels',
      'needs redis.sentinel_master, the name the sentinels monitor the master under (e.g. "mymaster")',
    );
  }
  if (!sentinels && redis.sentinel_master !== undefined) {
    at('sentinel_master', 'is only used with redis.sentinels; list the sentinels there');
  }
  return findings;
}
