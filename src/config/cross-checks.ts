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
import type { Finding } from './issues.js';
import { isTable, type Table } from './merge.js';

export function crossCheck(data: Table): Finding[] {
  const findings: Finding[] = [];
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
    const physical = physicalSourceMessage(
      job.operation ?? OPERATIONS.register,
      job.physical_source,
    );
    if (physical !== undefined) {
      findings.push({ path: ['job', index, 'physical_source'], message: physical });
    }
  });
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
function physicalSourceMessage(operation: unknown, physicalSource: unknown): string | undefined {
  if (typeof physicalSource !== 'string' || physicalSource === '') return undefined;
  if (!isOneOf(operation, OPERATIONS) || registers(operation)) return undefined;
  return `applies to the register operations only (register, register_replica), not to "${operation}": uploads have no physical path of their own`;
}

function isOneOf<T extends string>(
  value: unknown,
  vocabulary: Readonly<Record<string, T>>,
): value is T {
  return typeof value === 'string' && (Object.values(vocabulary) as string[]).includes(value);
}
