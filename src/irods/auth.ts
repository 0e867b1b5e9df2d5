/**
 * The bearer token of one client, renewed at most once at a time.
 *
 * Tokens expire a fixed time after issue (irods-http-api.md §2.2), so many requests in flight hit
 * 401 together. Each of them asks for a renewal of the token it used: the first starts one
 * /authenticate, the others wait for that same login, and a request that saw 401 only after the
 * token had already been replaced just takes the new one. The token lives in a private field and
 * is never part of a message.
 */
export class TokenSource {
  readonly #login: () => Promise<string>;
  #token: string | undefined;
  #pending: Promise<string> | undefined;
  #logins = 0;

  constructor(login: () => Promise<string>) {
    this.#login = login;
  }

  /** Number of successful logins so far. */
  get logins(): number {
    return this.#logins;
  }

  /** The current token, logging in first when there is none. */
  async current(): Promise<string> {
    return this.#token ?? this.renew(undefined);
  }

  /** A token other than `stale` (the one the server refused), logging in when needed. */
  async renew(stale: string | undefined): Promise<string> {
    if (this.#token !== undefined && this.#token !== stale) return this.#token;
    this.#pending ??= this.#login()
      .then((token) => {
        this.#token = token;
        this.#logins += 1;
        return token;
      })
      .finally(() => {
        this.#pending = undefined;
      });
    return this.#pending;
  }
}
