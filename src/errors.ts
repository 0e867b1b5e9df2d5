/**
 * Base of every error the daemon raises on purpose. `code` is stable (tests, logs and the control
 * API match on it, never on the message); context travels as fields of the subclasses; the
 * underlying error, if any, is the standard `cause`.
 */
export class IngestError extends Error {
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}
