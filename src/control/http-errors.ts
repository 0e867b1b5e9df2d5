/**
 * The error answers of the control API: `{ "error": { "code", "message" } }` with a status that
 * follows from the code. The codes the daemon raises (ControlError) and the ones only the HTTP
 * layer knows (routing, limits, timeouts) form one vocabulary, so a client can switch on `code`
 * without looking at the status.
 */
import { CONTROL_ERROR_CODES, ControlError } from './target.js';

export const HTTP_ERROR_CODES = {
  ...CONTROL_ERROR_CODES,
  /**
   * 403 on the read-only socket (daemon.status_socket): it serves the GET routes of monitoring
   * only; everything else goes through the control socket.
   */
  readOnly: 'read-only',
  /** 405: the route exists but not for this method (the answer has an `Allow` header). */
  methodNotAllowed: 'method-not-allowed',
  /** 408: the request did not arrive in time (slow or stalled client). */
  timeout: 'timeout',
  /** 413 for a body over the limit, 431 for headers over Node's limit. */
  tooLarge: 'too-large',
  /** 500: the daemon failed in a way it did not foresee; the message says what it was doing. */
  internal: 'internal',
} as const;
export type HttpErrorCode = (typeof HTTP_ERROR_CODES)[keyof typeof HTTP_ERROR_CODES];

const STATUS_OF: Readonly<Record<HttpErrorCode, number>> = {
  'bad-request': 400,
  forbidden: 403,
  'read-only': 403,
  'not-found': 404,
  'method-not-allowed': 405,
  timeout: 408,
  conflict: 409,
  'too-large': 413,
  internal: 500,
  unavailable: 503,
};

/** An error answer ready to send: status, code and a message that is safe to echo. */
export class HttpError extends Error {
  readonly status: number;
  readonly code: HttpErrorCode;

  constructor(code: HttpErrorCode, message: string, status = STATUS_OF[code]) {
    super(clip(message, MAX_MESSAGE));
    this.name = 'HttpError';
    this.code = code;
    this.status = status;
  }

  /** The JSON body of the answer, one line with its newline. */
  body(): string {
    return `${JSON.stringify({ error: { code: this.code, message: this.message } })}\n`;
  }
}

/**
 * The answer for an error thrown while serving a request: ControlErrors keep their code,
 * anything else is a 500 `internal` carrying the message (never the stack).
 */
export function httpErrorOf(error: unknown): HttpError {
  if (error instanceof HttpError) return error;
  if (error instanceof ControlError) return new HttpError(error.code, error.message);
  const message = error instanceof Error ? error.message : String(error);
  return new HttpError(HTTP_ERROR_CODES.internal, message || 'internal error');
}

/** Longest text taken from a request or an error into an answer. */
const MAX_ECHO = 300;
/**
 * Longest message of an answer: room for every problem of a refused job, each of which clips
 * what it quotes from the request.
 */
const MAX_MESSAGE = 2_000;

/**
 * `text` cut to a length that is safe to put into an answer or a log line: a request can carry
 * kilobytes of path or a huge JSON excerpt, and echoing it back would amplify it.
 */
export function clip(text: string, max = MAX_ECHO): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
