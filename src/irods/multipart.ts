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
const CRLF = '\r\n';

/** Parts in order; a name is sent quoted (names here are op parameter keys, plain ASCII). */
export function multipartBody(
  parts: readonly (readonly [string, string | Buffer])[],
): MultipartBody {
  let boundary: string;
  do {
    boundary = `${BOUNDARY_PREFIX}${(boundaries++).toString(36)}`;
    // A value holding the boundary would end its part early; it is drawn again if one does. The
    // boundary is ASCII, so a text value holds it exactly when its UTF-8 bytes do.
  } while (parts.some(([, value]) => value.includes(boundary)));
  const heads = parts.map(
    ([name]) => `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n`,
  );
  const tail = `--${boundary}--\r\n`;
  // One buffer written in place: encoding each piece and concatenating cost more than the rest
  // of building a small request.
  let size = tail.length;
  for (const [i, [, value]] of parts.entries()) {
    size += heads[i]!.length + Buffer.byteLength(value) + CRLF.length;
  }
  const body = Buffer.allocUnsafe(size);
  let at = 0;
  for (const [i, [, value]] of parts.entries()) {
    at += body.write(heads[i]!, at, 'latin1');
    at += typeof value === 'string' ? body.write(value, at, 'utf8') : value.copy(body, at);
    at += body.write(CRLF, at, 'latin1');
  }
  body.write(tail, at, 'latin1');
  return { body, contentType: `multipart/form-data; boundary=${boundary}` };
}
