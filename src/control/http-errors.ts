/**
 * The error answers of the control API: `{ "error": { "code", "message" } }` with a status that
 * follows from the code. The codes the daemon raises (not-found, conflict, ...) and the ones only
 * the HTTP layer knows (routing, limits, timeouts) are one vocabulary, the catalogue's codes with
 * a wire spelling (src/errors.ts), so a client can switch on `code` without looking at the status.
 */
import { clip, ERROR_CODES, IngestError, messageOf, type AnswerCode } from '../errors.js';

/**
 * An error answer: thrown by the target (see target.ts) or by the server itself, and sent with
 * its status, its code as the wire spells it, and a message that is safe to echo.
 */
export class ControlError extends IngestError {
  declare readonly code: AnswerCode;
  readonly status: number;

  constructor(code: AnswerCode, message: string, status: number = ERROR_CODES[code].status) {
    super(code, clip(message, MAX_MESSAGE));
    this.status = status;
  }

  /** The code as the answer's JSON spells it (`not-found`). */
  get wire(): string {
    return ERROR_CODES[this.code].wire;
  }

  /** The JSON body of the answer, one line with its newline. */
  body(): string {
    return `${JSON.stringify({ error: { code: this.wire, message: this.message } })}\n`;
  }
}

/**
 * The answer for an error thrown while serving a request: ControlErrors are answers already,
 * anything else is a 500 `internal` carrying the message (never the stack).
 */
export function answerOf(error: unknown): ControlError {
  if (error instanceof ControlError) return error;
  return new ControlError('INTERNAL', messageOf(error) || 'internal error');
}

/**
 * Longest message of an answer: room for every problem of a refused job, each of which clips
 * what it quotes from the request.
 */
const MAX_MESSAGE = 2_000;
