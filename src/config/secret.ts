/**
 * A secret read from a file. The value lives in a private field, so printing, logging or
 * JSON-serialising the configuration shows "[redacted]" and never the secret; only reveal()
 * hands it out, at the one place that sends it.
 */
export class Secret {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
  }

  reveal(): string {
    return this.#value;
  }

  toJSON(): string {
    return '[redacted]';
  }

  toString(): string {
    return '[redacted]';
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return 'Secret([redacted])';
  }
}
