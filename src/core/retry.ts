/**
 * Which failures of an iRODS HTTP API request are worth repeating, and how long to wait before
 * the next attempt. The client retries a few times itself; whatever is still retryable after that
 * is left to the work queue, which reads the same decision from the error's `retryable` flag.
 */

/** The layer of irods-http-api.md §3 that reported the failure. */
export const FAILURE_LAYER = {
  /** No HTTP response at all: refused or dropped connection, timeout. */
  transport: 'transport',
  /** A response whose HTTP status is not 200. */
  http: 'http',
  /** HTTP 200 with a negative `irods_response.status_code`. */
  irods: 'irods',
  /** Refused by the client before anything was sent, or an unusable answer. */
  client: 'client',
} as const;

export type FailureLayer = (typeof FAILURE_LAYER)[keyof typeof FAILURE_LAYER];

export interface FailureFacts {
  layer: FailureLayer;
  httpStatus?: number | undefined;
  irodsCode?: number | undefined;
}

/**
 * iRODS codes (rounded to the thousand) that describe a passing state rather than a wrong
 * request: another writer holds the object open (its lock goes with its close).
 */
const TRANSIENT_IRODS_CODES: ReadonlySet<number> = new Set([
  -1803000, // HIERARCHY_ERROR: the object is open for write elsewhere
]);

/**
 * Transport failures, 429 (all streams busy), 503 (stream budget or an overloaded proxy) and the
 * other 5xx statuses but 501 (an op the server does not implement) are transient, and so is an
 * object locked by another writer; everything else (4xx, other iRODS status codes, client
 * refusals) fails the same way on every attempt, so it is permanent.
 */
export function isRetryable(failure: FailureFacts): boolean {
  switch (failure.layer) {
    case FAILURE_LAYER.transport:
      return true;
    case FAILURE_LAYER.http: {
      const status = failure.httpStatus ?? 0;
      return status === 429 || (status >= 500 && status !== 501);
    }
    case FAILURE_LAYER.irods:
      return (
        failure.irodsCode !== undefined &&
        TRANSIENT_IRODS_CODES.has(Math.trunc(failure.irodsCode / 1000) * 1000)
      );
    default:
      return false;
  }
}

/**
 * True when the server certainly did not act on the request (it refused it with 429 or 503
 * before doing anything), so even a request that is not idempotent may be sent again.
 */
export function wasRefusedUnprocessed(failure: FailureFacts): boolean {
  return (
    failure.layer === FAILURE_LAYER.http &&
    (failure.httpStatus === 429 || failure.httpStatus === 503)
  );
}

/**
 * True when the server may have carried the request out although no answer says so: no response
 * at all, or a 5xx other than a refusal (the HTTP API may have failed after iRODS acted).
 */
export function outcomeUnknown(failure: FailureFacts): boolean {
  if (failure.layer === FAILURE_LAYER.transport) return true;
  return (
    failure.layer === FAILURE_LAYER.http &&
    (failure.httpStatus ?? 0) >= 500 &&
    !wasRefusedUnprocessed(failure)
  );
}

export interface BackoffPolicy {
  /** Delay before the second attempt, in ms. */
  baseMs: number;
  /** Upper bound of any delay, in ms. */
  maxMs: number;
}

/**
 * Delay before attempt `attempt + 1` after `attempt` failed attempts (1-based): exponential in
 * the attempt number, capped, with "equal jitter" (half fixed, half random) so that many clients
 * refused at the same moment do not come back at the same moment. `random` is in [0, 1).
 */
export function backoffDelay(attempt: number, policy: BackoffPolicy, random: number): number {
  const exponent = Math.max(0, attempt - 1);
  const ceiling = Math.min(policy.maxMs, policy.baseMs * 2 ** exponent);
  return Math.round(ceiling / 2 + (ceiling / 2) * random);
}
