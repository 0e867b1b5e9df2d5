/**
 * Checks shared by the operation modules: logical paths and mtimes are refused before anything is
 * sent when the server could not act on them as meant.
 */
import { logicalPathProblem } from '../core/logical-path.js';
import { FAILURE_LAYER } from '../core/retry.js';
import { IrodsError } from './errors.js';

/** Throws a permanent `IrodsError` when `path` is not an absolute logical path. */
export function checkPath(path: string, op: string, action: string): void {
  const problem = logicalPathProblem(path);
  if (problem !== undefined) {
    throw unsendable(op, action, path, `the logical path is unusable: ${problem}`);
  }
}

/** What a check throws: permanent, raised in the client before any request. */
function unsendable(op: string, action: string, path: string, reason: string): IrodsError {
  return new IrodsError({
    op,
    action,
    path,
    layer: FAILURE_LAYER.client,
    code: 'IRODS_UNSUPPORTED',
    reason,
    retryable: false,
  });
}

/** The latest mtime the API takes: it reads mtimes as 32-bit integers (§5.1.6, §5.2.7). */
const LAST_SECOND = 2_147_483_647;

/**
 * Throws a permanent `IrodsError` for an mtime the API cannot take. Files from before 1970 or
 * after January 2038 do occur (a clock reset, an archive unpacked with its times mangled); the
 * reason shows the time as a date, since that is how an operator will look for the file.
 */
export function checkSeconds(seconds: number, op: string, action: string, path: string): void {
  if (Number.isInteger(seconds) && seconds >= 0 && seconds <= LAST_SECOND) return;
  const date = Number.isInteger(seconds) ? dateOf(seconds) : undefined;
  const reason =
    date === undefined
      ? `${seconds} is not a whole number of seconds from 0 to ${LAST_SECOND}`
      : `the time ${date} is outside the mtimes iRODS takes, ${dateOf(0)} to ${dateOf(LAST_SECOND)}`;
  throw unsendable(op, action, path, reason);
}

/** `seconds` since the epoch in ISO 8601, to the second; undefined beyond what a Date holds. */
function dateOf(seconds: number): string | undefined {
  const date = new Date(seconds * 1000);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString().replace('.000Z', 'Z');
}
