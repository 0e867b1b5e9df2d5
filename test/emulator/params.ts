/**
 * Request parameter decoding exactly as the real server does it (spec §1.3), quirks included:
 * the hand-written urlencoded splitter, the multipart parser, and C++ stoi/stoll integer parsing.
 */

/** Decoded parameters: raw value bytes by key (the server works on byte strings). */
export type Params = ReadonlyMap<string, Buffer>;

/**
 * Splits a query string or urlencoded body: pieces on `&`, then on `=`. One `=`: the key is
 * kept as is, the value is percent-decoded and then every `+` becomes a space (so `%2B` arrives
 * as a space too). No `=`: empty value. Two or more `=`: the pair is dropped. Last key wins.
 */
export function parseUrlEncoded(text: string): Map<string, Buffer> {
  const params = new Map<string, Buffer>();
  if (text === '') return params;
  for (const piece of text.split('&')) {
    const parts = piece.split('=');
    if (parts.length === 1) params.set(parts[0]!, Buffer.alloc(0));
    else if (parts.length === 2) params.set(parts[0]!, plusToSpace(percentDecode(parts[1]!)));
  }
  return params;
}

/** Percent-decodes bytewise; a malformed escape is kept literally. */
export function percentDecode(text: string): Buffer {
  const source = Buffer.from(text, 'utf8');
  if (!text.includes('%')) return source;
  const out = Buffer.alloc(source.length);
  let length = 0;
  for (let i = 0; i < source.length; i++) {
    const byte = source[i]!;
    if (byte === 0x25 && isHex(source[i + 1]) && isHex(source[i + 2])) {
      out[length++] = parseInt(String.fromCharCode(source[i + 1]!, source[i + 2]!), 16);
      i += 2;
    } else {
      out[length++] = byte;
    }
  }
  return out.subarray(0, length);
}

function plusToSpace(bytes: Buffer): Buffer {
  for (let i = 0; i < bytes.length; i++) if (bytes[i] === 0x2b) bytes[i] = 0x20;
  return bytes;
}

function isHex(byte: number | undefined): boolean {
  return (
    byte !== undefined &&
    ((byte >= 0x30 && byte <= 0x39) ||
      (byte >= 0x41 && byte <= 0x46) ||
      (byte >= 0x61 && byte <= 0x66))
  );
}

export class MultipartError extends Error {
  readonly code = 'MULTIPART_MALFORMED';
}

/** The `boundary` parameter of a multipart/form-data Content-Type, or undefined. */
export function multipartBoundary(contentType: string): string | undefined {
  const match = /;\s*boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  return match ? (match[1] ?? match[2]) : undefined;
}

/**
 * Parses a multipart/form-data body. Values are the raw part bodies (binary-safe, no decoding,
 * embedded CRLF kept), returned as Buffers; names may be quoted or unquoted. A part
 * ends at the CRLF that precedes the next `--boundary`.
 */
export function parseMultipart(body: Buffer, boundary: string): Map<string, Buffer> {
  const parts = new Map<string, Buffer>();
  const delimiter = Buffer.from(`--${boundary}`, 'latin1');
  let position = body.indexOf(delimiter);
  if (position < 0) throw new MultipartError('multipart body has no boundary line');
  for (;;) {
    position += delimiter.length;
    if (body[position] === 0x2d && body[position + 1] === 0x2d) break;
    const headersStart = body.indexOf('\r\n', position);
    if (headersStart < 0) throw new MultipartError('multipart part has no header block');
    const headersEnd = body.indexOf('\r\n\r\n', headersStart);
    if (headersEnd < 0) throw new MultipartError('multipart part headers do not end');
    const headers = body.subarray(headersStart + 2, headersEnd).toString('utf8');
    const next = body.indexOf(Buffer.concat([Buffer.from('\r\n'), delimiter]), headersEnd + 4);
    if (next < 0) throw new MultipartError('multipart part is not terminated');
    const name = partName(headers);
    if (name !== undefined) parts.set(name, body.subarray(headersEnd + 4, next));
    position = next + 2;
  }
  return parts;
}

function partName(headers: string): string | undefined {
  for (const line of headers.split('\r\n')) {
    if (!/^content-disposition\s*:/i.test(line)) continue;
    const match = /;\s*name=(?:"([^"]*)"|([^;\s]*))/i.exec(line);
    if (match) return match[1] ?? match[2];
  }
  return undefined;
}

const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;

/**
 * C++ std::stoll: skips leading whitespace, accepts a sign, reads decimal digits and ignores what
 * follows. Undefined when there are no digits or the value leaves the signed 64-bit range.
 */
export function stoll(text: string): bigint | undefined {
  const match = /^[ \t\n\v\f\r]*([+-]?)(\d+)/.exec(text);
  if (!match) return undefined;
  const value = BigInt(`${match[1]}${match[2]}`);
  if (value > 9223372036854775807n || value < -9223372036854775808n) return undefined;
  return value;
}

/** stoll narrowed to a JS number (values beyond 2^53 lose precision; sizes never get there). */
export function stollNumber(text: string): number | undefined {
  const value = stoll(text);
  return value === undefined ? undefined : Number(value);
}

/** C++ std::stoi: like stoll but limited to 32 bits (out of range is an error). */
export function stoi(text: string): number | undefined {
  const value = stoll(text);
  if (value === undefined || value > BigInt(INT32_MAX) || value < BigInt(INT32_MIN)) {
    return undefined;
  }
  return Number(value);
}
