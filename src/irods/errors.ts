import { describeIrodsCode, irodsErrorName, type IrodsErrorName } from '../core/irods-codes.js';
import { FAILURE_LAYER, isRetryable, type FailureLayer } from '../core/retry.js';
import { IngestError, type ErrorCode } from '../errors.js';

/** Stable `code`s of `IrodsError`, one per kind of failure (the IRODS_ codes of src/errors.ts). */
export type IrodsErrorCode = Extract<ErrorCode, `IRODS_${string}`>;

export interface IrodsFailure {
  /** HTTP API op (`stat`, `write`, `parallel_write_init`, ...) or `authenticate` / `info`. */
  op: string;
  /** What was being done, e.g. "stat of data object"; the message starts with it. */
  action: string;
  /** Logical path acted on, when there is one. */
  path?: string | undefined;
  layer: FailureLayer;
  httpStatus?: number | undefined;
  irodsCode?: number | undefined;
  /** Why it failed, in words; for iRODS codes the name and number are used instead. */
  reason?: string | undefined;
  /** Overrides the stable code chosen from the layer. */
  code?: IrodsErrorCode | undefined;
  /** Overrides the classification of `isRetryable` (for client-side findings). */
  retryable?: boolean | undefined;
  cause?: unknown;
}

const codeByLayer: Record<FailureLayer, IrodsErrorCode> = {
  [FAILURE_LAYER.transport]: 'IRODS_TRANSPORT',
  [FAILURE_LAYER.http]: 'IRODS_HTTP_STATUS',
  [FAILURE_LAYER.irods]: 'IRODS_STATUS',
  [FAILURE_LAYER.client]: 'IRODS_BAD_RESPONSE',
};

/**
 * A failed iRODS HTTP API request or client-side iRODS operation. The message says what was being
 * done ("stat of data object /tempZone/home/rods/a.txt failed: CAT_NO_ACCESS_PERMISSION
 * (-818000)"); the fields carry the same facts for code. `retryable` is the queue's cue: true for
 * transient failures (transport, 429, 5xx) that the client's own retries did not overcome.
 * Credentials and tokens never reach any field.
 */
export class IrodsError extends IngestError {
  readonly op: string;
  readonly path: string | undefined;
  readonly layer: FailureLayer;
  readonly httpStatus: number | undefined;
  /** The iRODS status code as reported (errno digits included), when there is one. */
  readonly irodsCode: number | undefined;
  /** Name of `irodsCode` for known codes (§3.1), e.g. `CAT_NO_ACCESS_PERMISSION`. */
  readonly irodsName: IrodsErrorName | undefined;
  readonly retryable: boolean;

  constructor(failure: IrodsFailure) {
    super(failure.code ?? codeByLayer[failure.layer], describe(failure), { cause: failure.cause });
    this.op = failure.op;
    this.path = failure.path;
    this.layer = failure.layer;
    this.httpStatus = failure.httpStatus;
    this.irodsCode = failure.irodsCode;
    this.irodsName =
      failure.irodsCode === undefined ? undefined : irodsErrorName(failure.irodsCode);
    this.retryable =
      failure.retryable ??
      isRetryable({
        layer: failure.layer,
        httpStatus: failure.httpStatus,
        irodsCode: failure.irodsCode,
      });
  }
}

function describe(failure: IrodsFailure): string {
  const subject = failure.path === undefined ? failure.action : `${failure.action} ${failure.path}`;
  const facts: string[] = [];
  if (failure.irodsCode !== undefined) facts.push(describeIrodsCode(failure.irodsCode));
  if (failure.reason !== undefined) facts.push(failure.reason);
  if (failure.httpStatus !== undefined && failure.httpStatus !== 200) {
    facts.push(`HTTP ${failure.httpStatus}`);
  }
  return `${subject} failed: ${facts.join(', ') || 'unknown failure'}`;
}

/** A client option that cannot be used; thrown by the constructor. */
export class IrodsOptionError extends IngestError {
  readonly option: string;

  constructor(option: string, problem: string) {
    super('IRODS_INVALID_OPTION', `iRODS client option ${option} ${problem}`);
    this.option = option;
  }
}
