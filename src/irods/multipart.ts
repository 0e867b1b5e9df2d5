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

/** Parts in order; a name is sent quoted (names here are op parameter keys, plain ASCII). */
export function multipartBody(
  parts: readonly (readonly [string, string | Buffer])[],
): MultipartBody {
  const values = parts.map(([name, value]) => [name, Buffer.from(value)] as const);
  let boundary: string;
  do {
    boundary = `irods-ingest-${randomBytes(12).toString('hex')}`;
    // A value holding the boundary would end its part early; a random one practically never
    // appears, and is drawn again if it does.
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
