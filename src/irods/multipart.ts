/**
 * `multipart/form-data` bodies built as one Buffer. The HTTP API takes every part's bytes
 * verbatim (irods-http-api.md §1.3), which a flat buffer gives exactly; undici's FormData goes
 * through web streams, which cost the daemon more CPU per request than the rest of the request.
 */
import { randomBytes } from 'node:crypto';

export interface MultipartBody {
  readonly body: Buffer;
  readonly contentType: string;
}

/**
 * Boundaries are a random prefix drawn once per process and a counter: unique without drawing
 * random bytes per request (which costs more than building the body).
 */
const BOUNDARY_PREFIX = `irods-ingest-${randomBytes(8).toString('hex')}-`;
let boundaries = 0;

/** Parts in order; a name is sent quoted (names here are op parameter keys, plain ASCII). */
export function multipartBody(
  parts: readonly (readonly [string, string | Buffer])[],
): MultipartBody {
  // Buffer.from would copy a Buffer value (an upload chunk of megabytes); only text is encoded.
  const values = parts.map(
    ([name, value]) => [name, typeof value === 'string' ? Buffer.from(value) : value] as const,
  );
  let boundary: string;
  do {
    boundary = `${BOUNDARY_PREFIX}${(boundaries++).toString(36)}`;
    // A value holding the boundary would end its part early; it is drawn again if one does.
  } while (values.some(([, value]) => value.includes(boundary)));
  const chunks: Buffer[] = [];
  for (const [name, value] of values) {
    chunks.push(
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n`),
      value,
      Buffer.from('\r\n'),
    );
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return {
    body: Buffer.concat(chunks),
    contentType: `multipart/form-data; boundary=${boundary}`,
  };
}
