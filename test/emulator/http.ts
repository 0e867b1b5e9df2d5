/** Request parameters and response helpers shared by every op handler. */
import type { ServerResponse } from 'node:http';
import { sortedJson, type JsonValue } from './json.js';
import { stoi, stollNumber, type Params } from './params.js';

/** Thrown when a body grows past the limit: the server drops the connection (§1.4). */
export class BodyLimitExceeded extends Error {
  readonly code = 'EMULATOR_BODY_LIMIT_EXCEEDED';
  constructor(readonly limit: number) {
    super(`request body exceeds ${limit} bytes`);
  }
}

/** Decoded op parameters; values are byte strings, read as UTF-8 text unless asked for bytes. */
export class RequestParams {
  constructor(private readonly values: Params) {}

  has(key: string): boolean {
    return this.values.has(key);
  }

  str(key: string): string | undefined {
    return this.values.get(key)?.toString('utf8');
  }

  bytes(key: string): Buffer | undefined {
    return this.values.get(key);
  }

  /** True only for the exact string "1" (§1.3's boolean-ish flags). */
  flag(key: string): boolean {
    return this.str(key) === '1';
  }

  /** Parsed with stoi: `{ absent }`, `{ value }`, or `{ invalid }` when there are no digits. */
  int(key: string): IntParam {
    return intParam(this.str(key), stoi);
  }

  /** Parsed with stoll. */
  long(key: string): IntParam {
    return intParam(this.str(key), stollNumber);
  }
}

export type IntParam = { kind: 'absent' } | { kind: 'invalid' } | { kind: 'value'; value: number };

function intParam(text: string | undefined, parse: (t: string) => number | undefined): IntParam {
  if (text === undefined) return { kind: 'absent' };
  const value = parse(text);
  return value === undefined ? { kind: 'invalid' } : { kind: 'value', value };
}

/** Writes responses the way the server's helpers do: JSON bodies are sorted and compact. */
export class Reply {
  #lost = false;

  constructor(readonly res: ServerResponse) {}

  /** The answer never leaves: sending it destroys the connection instead (faults.ts). */
  loseAnswer(): void {
    this.#lost = true;
  }

  /** For a handler that streams its answer past `send`. */
  get losesAnswer(): boolean {
    return this.#lost;
  }

  get sent(): boolean {
    return this.res.headersSent || this.res.writableEnded;
  }

  /** A failure with status only: JSON content type, empty body (§1.2). */
  fail(status: number): void {
    this.#send(status, 'application/json', Buffer.alloc(0));
  }

  json(status: number, body: JsonValue): void {
    this.#send(status, 'application/json', Buffer.from(sortedJson(body), 'utf8'));
  }

  /** `{"irods_response":{"status_code":code[,"status_message":message]}, ...extra}`. */
  irods(
    status: number,
    code: number,
    message?: string,
    extra: Record<string, JsonValue> = {},
  ): void {
    this.json(status, { ...extra, irods_response: irodsResponse(code, message) });
  }

  send(status: number, contentType: string, body: Buffer | string): void {
    this.#send(status, contentType, typeof body === 'string' ? Buffer.from(body, 'utf8') : body);
  }

  #send(status: number, contentType: string, body: Buffer): void {
    if (this.sent) return;
    if (this.#lost) {
      this.res.socket?.destroy();
      return;
    }
    this.res.writeHead(status, { 'Content-Type': contentType, 'Content-Length': body.length });
    this.res.end(body);
  }
}

export function irodsResponse(code: number, message?: string): { [key: string]: JsonValue } {
  return message === undefined
    ? { status_code: code }
    : { status_code: code, status_message: message };
}
