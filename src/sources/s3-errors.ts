/**
 * Errors of S3 sources. Messages say what was being done, on which bucket and key, and what S3
 * answered (its error name and HTTP status), never a credential: the SDK's messages carry none,
 * and a credentials file is only ever named.
 */
import { type ErrorCode, IngestError } from '../errors.js';

export type S3ErrorCode = Extract<ErrorCode, `S3_${string}`>;

export class S3SourceError extends IngestError {
  /** Whether trying again later may succeed (throttling, a server error, a lost connection). */
  readonly retryable: boolean;
  /** S3's error name (NoSuchBucket, AccessDenied, ...) or the network error code. */
  readonly s3Code: string | undefined;

  constructor(
    code: S3ErrorCode,
    message: string,
    options: { cause?: unknown; retryable?: boolean; s3Code?: string } = {},
  ) {
    super(code, message, { cause: options.cause });
    this.retryable = options.retryable ?? false;
    this.s3Code = options.s3Code;
  }
}

/** What S3 answered, shortly: `AccessDenied (HTTP 403)`, `ECONNREFUSED`, ... */
export function describeS3Failure(error: unknown): {
  text: string;
  code: string;
  retryable: boolean;
} {
  const failure = error as {
    name?: string;
    code?: string;
    message?: string;
    $metadata?: { httpStatusCode?: number };
    $retryable?: unknown;
  };
  const status = failure.$metadata?.httpStatusCode;
  const code = failure.code ?? failure.name ?? 'Error';
  const named = code === 'Error' || code === 'UnknownError' ? (failure.message ?? code) : code;
  const text = status === undefined ? named : `${named} (HTTP ${status})`;
  // Client errors (denied, missing, bad request) stay as they are until someone changes something.
  const retryable =
    status === undefined || status >= 500 || status === 429 || failure.$retryable !== undefined;
  return { text, code, retryable };
}

/** Whether S3 answered that the object or bucket is not there. */
export function isNotFound(error: unknown): boolean {
  const failure = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  return (
    failure.$metadata?.httpStatusCode === 404 ||
    failure.name === 'NotFound' ||
    failure.name === 'NoSuchKey'
  );
}
