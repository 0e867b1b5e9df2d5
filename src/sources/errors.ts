import { IngestError, type ErrorCode } from '../errors.js';

/** The SCAN_ codes of src/errors.ts. */
export type ScanErrorCode = Extract<ErrorCode, `SCAN_${string}`>;

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
