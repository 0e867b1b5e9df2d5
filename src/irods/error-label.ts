/**
 * A short name for a failed iRODS request, from a bounded set: what an operator looks up first.
 * The daemon gives it to the metrics as the `code` label of `irods_ingest_irods_errors_total`, so
 * that the series stay few.
 *
 * - an iRODS error: its name (`CAT_NO_ACCESS_PERMISSION`), or for a code not in our table its
 *   number without the errno digits (`-999000`);
 * - else an HTTP status other than 200: `HTTP_503`;
 * - else a transport failure: the code of its cause (`ECONNREFUSED`, `UND_ERR_HEADERS_TIMEOUT`);
 * - else the error's own stable code (`IRODS_BAD_RESPONSE`), or `UNKNOWN`.
 */
import { baseErrorCode } from '../core/irods-codes.js';
import { IrodsError } from './errors.js';

export function irodsErrorLabel(error: unknown): string {
  if (error instanceof IrodsError) {
    if (error.irodsCode !== undefined) {
      return error.irodsName ?? String(baseErrorCode(error.irodsCode));
    }
    if (error.httpStatus !== undefined && error.httpStatus !== 200) {
      return `HTTP_${error.httpStatus}`;
    }
    return codeOf(error.cause) ?? error.code;
  }
  return codeOf(error) ?? 'UNKNOWN';
}

function codeOf(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && code !== '' ? code : undefined;
}
