import { FAILURE_LAYER } from '../core/retry.js';
import { IrodsError } from './errors.js';
import type { JsonObject } from './transport.js';
import type { ServerInfo } from './types.js';

/** Reads the fields of `GET /info` (irods-http-api.md §4) the client depends on. */
export function parseServerInfo(body: JsonObject, url: string): ServerInfo {
  const positive = (key: string): number => {
    const value = body[key];
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
      throw new IrodsError({
        op: 'info',
        action: `GET ${url}/info`,
        layer: FAILURE_LAYER.client,
        reason: `${key} is missing or not a positive integer`,
      });
    }
    return value;
  };
  return {
    apiVersion: typeof body.api_version === 'string' ? body.api_version : '',
    zone: typeof body.irods_zone === 'string' ? body.irods_zone : '',
    maxRequestBodyBytes: positive('max_size_of_request_body_in_bytes'),
    maxStreamsPerParallelWrite: positive('max_number_of_streams_per_parallel_write_handle'),
    maxRowsPerQuery: positive('max_number_of_rows_per_catalog_query'),
  };
}
