/**
 * Why a handler call failed. The entry it was called for fails with the message (the job's
 * failure list shows it); `retryable` is the thrown error's own flag, so a handler decides
 * whether its refusal is passing (a lock file still there) or for good.
 */
import { clip, IngestError, MAX_KEPT_MESSAGE, messageOf, type ErrorCode } from '../errors.js';

/** The HANDLER_ codes of the catalogue (src/errors.ts, where each is explained), by name. */
export const HANDLER_ERROR_CODE = {
  threw: 'HANDLER_THREW',
  timedOut: 'HANDLER_TIMED_OUT',
  badResult: 'HANDLER_BAD_RESULT',
  notLoaded: 'HANDLER_NOT_LOADED',
} as const satisfies Record<string, ErrorCode>;
export type HandlerErrorCode = (typeof HANDLER_ERROR_CODE)[keyof typeof HANDLER_ERROR_CODE];

export class HandlerError extends IngestError {
  /** The member called, e.g. `preDataObjCreate`. */
  readonly member: string;
  readonly retryable: boolean;

  constructor(
    code: HandlerErrorCode,
    member: string,
    message: string,
    options: { retryable: boolean; cause?: unknown },
  ) {
    super(code, message, { cause: options.cause });
    this.member = member;
    this.retryable = options.retryable;
  }
}

/** What a member threw, as a HandlerError that names the member (and a bounded message). */
export function thrownBy(member: string, error: unknown): HandlerError {
  if (error instanceof HandlerError) return error;
  const reason = clip(messageOf(error), MAX_KEPT_MESSAGE);
  const retryable =
    typeof error === 'object' &&
    error !== null &&
    (error as { retryable?: unknown }).retryable === true;
  return new HandlerError(HANDLER_ERROR_CODE.threw, member, `${member} threw: ${reason}`, {
    retryable,
    cause: error,
  });
}

/** A policy member's result the daemon cannot use: the file fails for good. */
export function badResult(member: string, problem: string): HandlerError {
  return new HandlerError(HANDLER_ERROR_CODE.badResult, member, `${member} ${problem}`, {
    retryable: false,
  });
}
