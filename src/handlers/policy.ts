/**
 * A file's policy: the job's settings with the handler's per-file choices over them. Only the
 * members the module has are called, each within POLICY_CALL_LIMIT_MS; a result the daemon
 * cannot use (an unknown operation, a logical path outside the target, ...) fails the file for
 * good, with what was returned.
 */
import type { JobConfig } from '../config/index.js';
import { registers, type Operation } from '../core/job-rules.js';
import {
  checkAttempts,
  checkAvus,
  checkMillis,
  checkOperation,
  checkPhysicalPath,
  checkResource,
  checkTargetPath,
  type AvuValue,
  type Checked,
} from '../core/policy-results.js';
import { POLICY_CALL_LIMIT_MS } from './call.js';
import { badResult } from './errors.js';
import type { SiteHandler } from './site-handler.js';
import type { FileInfo, GoneEntry, Handler } from './types.js';

export interface FilePolicy {
  /** The handler chose `none`: nothing is done for the file (counted as excluded). */
  readonly skipped: boolean;
  readonly operation: Operation;
  readonly resource: string;
  /** The handler's logical path; absent: the mirror of the source path. */
  readonly logicalPath?: string;
  /** The handler's physical path (register operations); absent: see `physical_source`. */
  readonly physicalPath?: string;
  /** The handler's AVUs for the entry; absent when it chose none. */
  readonly avus?: AvuValue[];
  readonly maxAttempts?: number;
  /** Before the next try, should this one fail retryably. */
  readonly retryDelayMs?: number;
  readonly timeoutMs?: number;
}

/** Calls `member` when the module has it: its checked result, undefined for "the job's". */
async function chosen<T>(
  handler: SiteHandler,
  member: keyof Handler,
  call: () => Promise<unknown>,
  check: (value: unknown) => Checked<T>,
): Promise<T | undefined> {
  if (!handler.has(member)) return undefined;
  const result = await call();
  if (result === undefined) return undefined;
  const checked = check(result);
  if ('problem' in checked) throw badResult(member, `returned ${checked.problem}`);
  return checked.value;
}

/** The operation the handler chooses for `file`; undefined when it leaves the job's. */
export function operationFor(
  handler: SiteHandler,
  job: JobConfig,
  file: FileInfo,
): Promise<Operation | undefined> {
  return chosen(
    handler,
    'operation',
    () => handler.call('operation', POLICY_CALL_LIMIT_MS, file),
    (value) => checkOperation(value, job.delete),
  );
}

/** `attempt`: this try's number (1 for the first), for `retryDelay`. */
export async function filePolicy(
  handler: SiteHandler,
  job: JobConfig,
  file: FileInfo,
  attempt: number,
): Promise<FilePolicy> {
  const choice = await operationFor(handler, job, file);
  const operation = choice ?? job.operation;
  if (choice === 'none') return { skipped: true, operation, resource: job.resource };
  const limit = POLICY_CALL_LIMIT_MS;
  const [resource, logicalPath, physicalPath, avus, maxAttempts, retryDelayMs, timeoutMs] =
    await Promise.all([
      chosen(handler, 'resource', () => handler.call('resource', limit, file), checkResource),
      chosen(
        handler,
        'targetPath',
        () => handler.call('targetPath', limit, file),
        (value) => checkTargetPath(value, job.target),
      ),
      registers(operation) ? physicalPathFor(handler, file) : undefined,
      chosen(handler, 'metadata', () => handler.call('metadata', limit, file), checkAvus),
      chosen(handler, 'maxAttempts', () => handler.call('maxAttempts', limit, file), checkAttempts),
      chosen(
        handler,
        'retryDelay',
        () => handler.call('retryDelay', limit, file, attempt),
        (value) => checkMillis(value, 0),
      ),
      chosen(
        handler,
        'timeout',
        () => handler.call('timeout', limit, file),
        (value) => checkMillis(value, 1),
      ),
    ]);
  return {
    skipped: false,
    operation,
    resource: resource ?? job.resource,
    ...(logicalPath === undefined ? {} : { logicalPath }),
    ...(physicalPath === undefined ? {} : { physicalPath }),
    ...(avus === undefined ? {} : { avus }),
    ...(maxAttempts === undefined ? {} : { maxAttempts }),
    ...(retryDelayMs === undefined ? {} : { retryDelayMs }),
    ...(timeoutMs === undefined ? {} : { timeoutMs }),
  };
}

/** Where the handler registers `file`; undefined when it leaves it to `physical_source`. */
export function physicalPathFor(
  handler: SiteHandler,
  file: FileInfo | GoneEntry,
): Promise<string | undefined> {
  return chosen(
    handler,
    'physicalPath',
    () => handler.call('physicalPath', POLICY_CALL_LIMIT_MS, file),
    checkPhysicalPath,
  );
}

/** Where the handler put an entry that is now gone; undefined: the mirror of its path. */
export function goneTargetPath(
  handler: SiteHandler,
  job: JobConfig,
  entry: GoneEntry,
): Promise<string | undefined> {
  return chosen(
    handler,
    'targetPath',
    () => handler.call('targetPath', POLICY_CALL_LIMIT_MS, entry),
    (value) => checkTargetPath(value, job.target),
  );
}
