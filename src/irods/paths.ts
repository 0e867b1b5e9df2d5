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
    throw new IrodsError({
      op,
      action,
      path,
      layer: FAILURE_LAYER.client,
      code: 'IRODS_UNSUPPORTED',
      reason: `the logical path is unusable: ${problem}`,
      retryable: false,
    });
  }
}

/** The API takes mtimes as 32-bit integers (§5.1.6, §5.2.7). */
export function checkSeconds(seconds: number, op: string, action: string, path: string): void {
  if (!Number.isInteger(seconds) || seconds < 0 || seconds > 2_147_483_647) {
    throw new IrodsError({
      op,
      action,
      path,
      layer: FAILURE_LAYER.client,
      code: 'IRODS_UNSUPPORTED',
      reason: `${seconds} is not a whole number of seconds in the 32-bit range`,
      retryable: false,
    });
  }
}
