import { IngestError } from '../errors.js';

export const SCAN_ERROR_CODES = {
  /** The source root is missing, not a directory, or cannot be listed. */
  rootUnreadable: 'SCAN_ROOT_UNREADABLE',
  /** The scan thread died (a bug or resource exhaustion, not a file system condition). */
  workerFailed: 'SCAN_WORKER_FAILED',
  invalidOption: 'SCAN_INVALID_OPTION',
} as const;
export type ScanErrorCode = (typeof SCAN_ERROR_CODES)[keyof typeof SCAN_ERROR_CODES];

/**
 * A scan that could not run or finish. An unreadable root is an error and not an empty listing:
 * reading it as empty would make every file of the job look deleted.
 */
export class ScanError extends IngestError {
  readonly root: string;
  /** For an unreadable root: the error code of the failed call (ENOENT, EACCES, ENOTDIR...). */
  readonly errno: string | undefined;

  constructor(
    code: ScanErrorCode,
    message: string,
    context: { root: string; errno?: string; cause?: unknown },
  ) {
    super(code, message, { cause: context.cause });
    this.root = context.root;
    this.errno = context.errno;
  }
}
