/**
 * Reading an iRODS HTTP API answer's body (irods-http-api.md §3): the JSON object, when it is
 * one, and its `irods_response.status_code`, the third layer a request can fail at.
 */

export type JsonObject = Record<string, unknown>;

/** The body as a JSON object; undefined when it is empty, not JSON, or not an object. */
export function parseJson(body: Buffer): JsonObject | undefined {
  if (body.length === 0) return undefined;
  try {
    const value: unknown = JSON.parse(body.toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as JsonObject)
      : undefined;
  } catch {
    return undefined;
  }
}

/** `irods_response.status_code` when the body has an integer one. */
export function statusCodeOf(body: JsonObject | undefined): number | undefined {
  const response = body?.irods_response;
  if (typeof response !== 'object' || response === null) return undefined;
  const code = (response as JsonObject).status_code;
  return typeof code === 'number' && Number.isInteger(code) ? code : undefined;
}
