/**
 * Why a worker action on one entry failed. Every error names the entry (its relative path in text
 * form), the job's operation and the step that failed; `retryable` tells the queue whether to try
 * again with backoff or to put the file on the failure list at once. It is decided by the cause:
 * an `IrodsError`'s own `retryable`, a local errno from a short list of transient ones, or the
 * kind of finding (a changed source is retried, a checksum mismatch is not).
 */
import { hostname } from 'node:os';
import { HandlerError } from '../handlers/errors.js';
import { IrodsError } from '../irods/index.js';
import { IngestError, messageOf, redisRefusal, type ErrorCode } from '../errors.js';
import { LockLostError } from '../state/index.js';

/** The WORKER_ codes of the catalogue (src/errors.ts, where each is explained), by name. */
export const WORKER_ERROR_CODE = {
  actionFailed: 'WORKER_ACTION_FAILED',
  sourceChanged: 'WORKER_SOURCE_CHANGED',
  sourceUnavailable: 'WORKER_SOURCE_UNAVAILABLE',
  checksumMismatch: 'WORKER_CHECKSUM_MISMATCH',
  targetProtected: 'WORKER_TARGET_PROTECTED',
  unregistrablePath: 'WORKER_UNREGISTRABLE_PATH',
  inTheWay: 'WORKER_IN_THE_WAY',
  lockLost: 'WORKER_LOCK_LOST',
  handlerFailed: 'WORKER_HANDLER_FAILED',
  fileTimeout: 'WORKER_FILE_TIMEOUT',
} as const satisfies Record<string, ErrorCode>;
export type WorkerErrorCode = (typeof WORKER_ERROR_CODE)[keyof typeof WORKER_ERROR_CODE];

export interface EntryFailure {
  /** `encodeRelPath` of the entry. */
  relPath: string;
  /** The job's operation, or the delete mode for deletes. */
  operation: string;
  /** Name of the step that failed. */
  step: string;
}

/** Errnos worth another try: the file system or the process was busy, not the file wrong. */
const TRANSIENT_ERRNOS = new Set(['EAGAIN', 'EBUSY', 'EINTR', 'EMFILE', 'ENFILE', 'ETIMEDOUT']);

export class WorkerError extends IngestError {
  readonly relPath: string;
  readonly operation: string;
  readonly step: string;
  readonly retryable: boolean;
  /** The iRODS status code of the cause, when iRODS refused. */
  readonly irodsCode: number | undefined;
  /** The local errno of the cause (`ENOENT`, `EACCES`, ...), when a file operation failed. */
  readonly errno: string | undefined;
  /**
   * The entry's own retry policy, from its job's event handler (`maxAttempts`, `retryDelay`),
   * set by the caller that knows it; undefined: the job's.
   */
  maxAttempts: number | undefined;
  retryDelayMs: number | undefined;

  constructor(
    code: WorkerErrorCode,
    failure: EntryFailure,
    message: string,
    facts: { retryable: boolean; irodsCode?: number; errno?: string; cause?: unknown },
  ) {
    super(code, message, { cause: facts.cause });
    this.relPath = failure.relPath;
    this.operation = failure.operation;
    this.step = failure.step;
    this.retryable = facts.retryable;
    this.irodsCode = facts.irodsCode;
    this.errno = facts.errno;
    this.maxAttempts = undefined;
    this.retryDelayMs = undefined;
  }
}

/** The source changed between the checks before and after the transfer. */
export class SourceChangedError extends WorkerError {
  constructor(failure: EntryFailure, what: string, cause?: unknown) {
    super(
      WORKER_ERROR_CODE.sourceChanged,
      failure,
      `${failure.operation} of ${failure.relPath}: the source file changed during the ${failure.step} step (${what}); it will be sent again`,
      { retryable: true, cause },
    );
  }
}

/**
 * The file is gone, and the source root is not the one recorded for the job: not the file's
 * going but the source's absence on this host, so nothing is decided from it and the file is
 * tried again, on whichever daemon takes it next.
 */
export class SourceUnavailableError extends WorkerError {
  constructor(failure: EntryFailure, problem: string) {
    super(
      WORKER_ERROR_CODE.sourceUnavailable,
      failure,
      `${failure.operation} of ${failure.relPath} on host ${hostname()}: the file is not there and ${problem}; it will be tried again`,
      { retryable: true },
    );
  }
}

export class ChecksumMismatchError extends WorkerError {
  readonly irodsChecksum: string;
  readonly localChecksum: string;

  constructor(failure: EntryFailure, irodsChecksum: string, localChecksum: string) {
    super(
      WORKER_ERROR_CODE.checksumMismatch,
      failure,
      `${failure.operation} of ${failure.relPath}: iRODS has checksum ${irodsChecksum || '(none)'}, the local file ${localChecksum}`,
      { retryable: false },
    );
    this.irodsChecksum = irodsChecksum;
    this.localChecksum = localChecksum;
  }
}

export class TargetProtectedError extends WorkerError {
  constructor(failure: EntryFailure, logicalPath: string, target: string) {
    super(
      WORKER_ERROR_CODE.targetProtected,
      failure,
      `${failure.operation} of ${logicalPath} refused: it is the job's target ${target} or lies outside it`,
      { retryable: false },
    );
  }
}

/** A file's time limit and who set it, for the message. */
export interface TimeLimit {
  readonly ms: number;
  /** "the job's file_timeout" or "its handler's timeout". */
  readonly setBy: string;
}

/** The file's action ran past its time limit (file-timeout.ts) and was stopped. */
export class FileTimeoutError extends WorkerError {
  constructor(failure: EntryFailure, limit: TimeLimit) {
    super(
      WORKER_ERROR_CODE.fileTimeout,
      failure,
      `${failure.operation} of ${failure.relPath}: stopped after ${limit.setBy} (${limit.ms} ms); it will be tried again`,
      { retryable: true },
    );
  }
}

/** A file replaced a directory (or the reverse), and the old one's copy cannot go. */
export class InTheWayError extends WorkerError {
  constructor(failure: EntryFailure, reason: string) {
    super(
      WORKER_ERROR_CODE.inTheWay,
      failure,
      `${failure.operation} of ${failure.relPath}: ${reason}`,
      { retryable: false },
    );
  }
}

/** Wraps whatever a step threw into a `WorkerError` that says which entry and step it was. */
export function asWorkerError(error: unknown, failure: EntryFailure): WorkerError {
  if (error instanceof WorkerError) return error;
  const what = `${failure.operation} of ${failure.relPath} failed in step ${failure.step}`;
  if (error instanceof IrodsError) {
    if (error.code === 'IRODS_SOURCE_CHANGED') {
      return new SourceChangedError(failure, error.message, error);
    }
    return new WorkerError(WORKER_ERROR_CODE.actionFailed, failure, `${what}: ${error.message}`, {
      retryable: error.retryable,
      irodsCode: error.irodsCode,
      cause: error,
    });
  }
  if (error instanceof HandlerError) {
    return new WorkerError(WORKER_ERROR_CODE.handlerFailed, failure, `${what}: ${error.message}`, {
      retryable: error.retryable,
      cause: error,
    });
  }
  if (error instanceof LockLostError) {
    return new WorkerError(
      WORKER_ERROR_CODE.lockLost,
      failure,
      `${what}: ${error.message}; it stopped, and iRODS is checked against the file on the next try`,
      { retryable: true, cause: error },
    );
  }
  const errno = errnoOf(error);
  // Redis refusing writes passes once an operator acts: the file is tried again then.
  const refusal = redisRefusal(error);
  const reason = messageOf(error);
  // Errors that know whether a retry may help (an S3 source's) say so themselves.
  const flagged = (error as { retryable?: unknown } | undefined)?.retryable;
  return new WorkerError(WORKER_ERROR_CODE.actionFailed, failure, `${what}: ${reason}`, {
    retryable:
      refusal !== undefined ||
      (typeof flagged === 'boolean' ? flagged : errno !== undefined && TRANSIENT_ERRNOS.has(errno)),
    errno,
    cause: error,
  });
}

export function errnoOf(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null || !('code' in error)) return undefined;
  const { code } = error;
  return typeof code === 'string' && /^E[A-Z0-9]+$/.test(code) ? code : undefined;
}
