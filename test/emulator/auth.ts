/**
 * Bearer tokens (spec §2): Basic credentials buy a random UUID token that is valid for a fixed
 * lifetime from issue (use does not extend it). Tokens live in memory only, so a restart
 * invalidates them, as it does on the real server.
 */
import { randomUUID } from 'node:crypto';

/** Decoded Basic credentials beyond this many bytes do not fit the server's buffer (§2.1). */
const MAX_DECODED_CREDENTIALS = 128;

export const BASIC_OUTCOME = {
  missingHeader: 'missing-header',
  notBasic: 'not-basic',
  credentials: 'credentials',
  unusable: 'unusable',
} as const;

export type BasicCredentials =
  | { kind: typeof BASIC_OUTCOME.credentials; user: string; password: string }
  | { kind: Exclude<(typeof BASIC_OUTCOME)[keyof typeof BASIC_OUTCOME], 'credentials'> };

/** Reads the Authorization header the way the server does: `Basic ` anywhere, then base64. */
export function parseBasic(header: string | undefined): BasicCredentials {
  if (header === undefined) return { kind: BASIC_OUTCOME.missingHeader };
  const at = header.indexOf('Basic ');
  if (at < 0) return { kind: BASIC_OUTCOME.notBasic };
  const decoded = Buffer.from(header.slice(at + 'Basic '.length).trim(), 'base64');
  if (decoded.length > MAX_DECODED_CREDENTIALS) return { kind: BASIC_OUTCOME.unusable };
  const text = decoded.toString('utf8');
  const colon = text.indexOf(':');
  if (colon < 0) return { kind: BASIC_OUTCOME.unusable };
  return {
    kind: BASIC_OUTCOME.credentials,
    user: text.slice(0, colon),
    password: text.slice(colon + 1),
  };
}

/** The token after `Bearer ` (trimmed), undefined when the header lacks it. */
export function parseBearer(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const at = header.indexOf('Bearer ');
  return at < 0 ? undefined : header.slice(at + 'Bearer '.length).trim();
}

export class TokenStore {
  readonly #tokens = new Map<string, { user: string; expiresAt: number }>();
  readonly #sweeper: NodeJS.Timeout;

  constructor(
    private readonly lifetimeMs: number,
    sweepIntervalMs: number,
  ) {
    // Expired tokens are refused on use; the sweep only frees memory, like the server's.
    this.#sweeper = setInterval(() => this.#sweep(), sweepIntervalMs);
    this.#sweeper.unref();
  }

  /** Tokens issued since start; tests count logins with it. */
  issued = 0;

  issue(user: string): string {
    this.issued += 1;
    const token = randomUUID();
    this.#tokens.set(token, { user, expiresAt: Date.now() + this.lifetimeMs });
    return token;
  }

  /** The user the token belongs to, or undefined when unknown or expired. */
  userOf(token: string): string | undefined {
    const entry = this.#tokens.get(token);
    if (!entry) return undefined;
    if (Date.now() >= entry.expiresAt) {
      this.#tokens.delete(token);
      return undefined;
    }
    return entry.user;
  }

  close(): void {
    clearInterval(this.#sweeper);
  }

  #sweep(): void {
    const now = Date.now();
    for (const [token, entry] of this.#tokens)
      if (now >= entry.expiresAt) this.#tokens.delete(token);
  }
}
