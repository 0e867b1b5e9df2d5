/**
 * Sends iRODS HTTP API requests and turns every answer into a result or an `IrodsError`, checking
 * the three layers of irods-http-api.md §3 in order: transport (no response), HTTP status, then
 * `irods_response.status_code`. It owns the connection pool, the bearer token (renewed once on
 * 401, then the request is sent again) and the client's own retries of transient failures.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { Pool } from 'undici';
import { canTravelInQueryString } from '../core/logical-path.js';
import { backoffDelay, FAILURE_LAYER, wasRefusedUnprocessed } from '../core/retry.js';
import { TokenSource } from './auth.js';
import { IrodsError } from './errors.js';
import { multipartBody } from './multipart.js';
import type { ResolvedOptions } from './options.js';
import { parseJson, statusCodeOf, type JsonObject } from './response-body.js';

export const ENDPOINT = {
  authenticate: '/authenticate',
  collections: '/collections',
  dataObjects: '/data-objects',
  info: '/info',
  query: '/query',
  resources: '/resources',
  usersGroups: '/users-groups',
} as const;

export type Endpoint = (typeof ENDPOINT)[keyof typeof ENDPOINT];

/** When a failed request may be sent again. */
export const REPEAT = {
  /** Any retryable failure: the request is idempotent (or checked by `alreadyDone`). */
  always: 'always',
  /** Only when the server refused it unprocessed (429, 503), unless `alreadyDone` says otherwise. */
  whenRefused: 'when-refused',
} as const;

export type Repeat = (typeof REPEAT)[keyof typeof REPEAT];

export type { JsonObject } from './response-body.js';

export interface ApiCall {
  endpoint: Endpoint;
  method: 'GET' | 'POST';
  op: string;
  /** What is being done, for messages: "stat of data object". */
  action: string;
  /** Logical path acted on, for messages and error fields. */
  path?: string | undefined;
  /** Op parameters; undefined values are left out. GET: query string; POST: multipart parts. */
  params?: Readonly<Record<string, string | undefined>>;
  /** Form-1 write (§5.2.2): the `bytes` part, sent as a binary part, fetched per attempt. */
  formBytes?: () => Promise<Buffer>;
  /** Header-form write (§5.2.2 form 2): parameter headers and the raw body, fetched per attempt. */
  upload?: {
    headers: Readonly<Record<string, string>>;
    body: () => Promise<Buffer>;
  };
  repeat: Repeat;
  /**
   * Asked before repeating a request that failed other than by a refusal, with that failure: true
   * means the effect is already there and the call counts as done. Where the outcome is unknown
   * (`outcomeUnknown`: no response, a 5xx), it may be.
   */
  alreadyDone?: (failure: IrodsError) => Promise<boolean>;
  /** iRODS status codes that are answers rather than failures for this call. */
  accept?: (irodsCode: number) => boolean;
}

interface InternalCall extends ApiCall {
  /** `none` for /authenticate and /info, which take no bearer token. */
  auth?: 'bearer' | 'none';
  headers?: Readonly<Record<string, string>>;
  /** POST without any body (/authenticate). */
  noBody?: boolean;
}

const EXPECT = {
  irodsJson: 'irods-json',
  plainJson: 'plain-json',
  bytes: 'bytes',
  text: 'text',
} as const;
type Expect = (typeof EXPECT)[keyof typeof EXPECT];

interface RawResponse {
  status: number;
  body: Buffer;
}

/** Counters for tests and status reports. */
export interface TransportCounters {
  /** HTTP requests sent, every attempt counted. */
  requests: number;
  /** Attempts repeated after a retryable failure. */
  retries: number;
  /** Successful logins (/authenticate) so far. */
  authentications: number;
}

export class ApiTransport {
  readonly #options: ResolvedOptions;
  readonly #pool: Pool;
  readonly #tokens: TokenSource;
  #requests = 0;
  #retries = 0;
  /** Set once the pool is closing or destroyed; nothing new is sent after that. */
  #closed = false;
  /** Requests being worked on (all attempts), for `close()` to wait for. */
  readonly #active = new Set<Promise<unknown>>();

  constructor(options: ResolvedOptions, password: string) {
    this.#options = options;
    this.#pool = new Pool(options.origin, {
      connections: options.connections,
      keepAliveTimeout: options.keepAliveTimeoutMs,
      headersTimeout: options.requestTimeoutMs,
      bodyTimeout: options.requestTimeoutMs,
    });
    const basic = `Basic ${Buffer.from(`${options.username}:${password}`, 'utf8').toString('base64')}`;
    this.#tokens = new TokenSource(() => this.#login(basic));
  }

  get counters(): TransportCounters {
    return {
      requests: this.#requests,
      retries: this.#retries,
      authentications: this.#tokens.logins,
    };
  }

  /** Runs an op that answers `{"irods_response": ...}` JSON. */
  async json(call: ApiCall): Promise<JsonObject> {
    return (await this.#run(call, EXPECT.irodsJson)) as JsonObject;
  }

  /** Runs an op whose 200 answer is raw bytes (`read`). */
  async bytes(call: ApiCall): Promise<Buffer> {
    return (await this.#run(call, EXPECT.bytes)) as Buffer;
  }

  /** `GET /info` (§4), which needs no token and has no `irods_response`. */
  async info(): Promise<JsonObject> {
    const call: InternalCall = {
      endpoint: ENDPOINT.info,
      method: 'GET',
      op: 'info',
      action: `GET ${this.#options.url}/info`,
      repeat: REPEAT.always,
      auth: 'none',
    };
    return (await this.#run(call, EXPECT.plainJson)) as JsonObject;
  }

  /** Makes sure a token is at hand (checks the credentials early). */
  async authenticate(): Promise<void> {
    await this.#tokens.current();
  }

  /**
   * Lets the requests in flight finish (with their retries), then closes every connection and
   * refuses new requests. An operation made of several requests (an upload) should be finished
   * before, since it may need a request after this.
   */
  async close(): Promise<void> {
    while (this.#active.size > 0) await Promise.allSettled([...this.#active]);
    this.#closed = true;
    await this.#pool.close();
  }

  /** Aborts requests in flight and closes every connection at once. */
  async destroy(): Promise<void> {
    this.#closed = true;
    await this.#pool.destroy();
  }

  async #login(basic: string): Promise<string> {
    const call: InternalCall = {
      endpoint: ENDPOINT.authenticate,
      method: 'POST',
      op: 'authenticate',
      action: `authentication of user ${this.#options.username} at ${this.#options.url}`,
      repeat: REPEAT.always,
      auth: 'none',
      headers: { authorization: basic },
      noBody: true,
    };
    const token = ((await this.#run(call, EXPECT.text)) as string).trim();
    if (token === '') {
      throw new IrodsError({
        ...context(call),
        layer: FAILURE_LAYER.client,
        reason: 'empty token',
      });
    }
    return token;
  }

  async #run(call: InternalCall, expect: Expect): Promise<unknown> {
    const running = this.#attempts(call, expect);
    this.#active.add(running);
    try {
      return await running;
    } finally {
      this.#active.delete(running);
    }
  }

  async #attempts(call: InternalCall, expect: Expect): Promise<unknown> {
    for (let attempt = 1; ; attempt += 1) {
      const started = performance.now();
      const took = () => (performance.now() - started) / 1000;
      try {
        const answer = await this.#once(call, expect);
        this.#options.onRequest?.(call.op, took());
        return answer;
      } catch (err) {
        this.#options.onRequest?.(call.op, took(), err);
        if (!(err instanceof IrodsError) || !err.retryable) throw err;
        if (attempt >= this.#options.maxAttempts || this.#closed) throw err;
        const refused = wasRefusedUnprocessed(err);
        if (!refused && call.repeat !== REPEAT.always && call.alreadyDone === undefined) throw err;
        this.#retries += 1;
        await sleep(backoffDelay(attempt, this.#options.backoff, Math.random()));
        if (!refused && call.alreadyDone !== undefined && (await call.alreadyDone(err))) return {};
      }
    }
  }

  async #once(call: InternalCall, expect: Expect): Promise<unknown> {
    if (call.auth === 'none')
      return this.#interpret(call, await this.#send(call, undefined), expect);
    const token = await this.#tokens.current();
    let response = await this.#send(call, token);
    if (response.status === 401) {
      response = await this.#send(call, await this.#tokens.renew(token));
      if (response.status === 401) {
        throw new IrodsError({
          ...context(call),
          layer: FAILURE_LAYER.http,
          httpStatus: 401,
          code: 'IRODS_AUTHENTICATION',
          reason: 'a freshly issued token was refused',
        });
      }
    }
    return this.#interpret(call, response, expect);
  }

  async #send(call: InternalCall, token: string | undefined): Promise<RawResponse> {
    if (this.#closed) {
      throw new IrodsError({
        ...context(call),
        layer: FAILURE_LAYER.client,
        code: 'IRODS_CLIENT_STATE',
        reason: 'the client is closed',
        retryable: false,
      });
    }
    const headers: Record<string, string> = { ...call.headers };
    if (token !== undefined) headers.authorization = `Bearer ${token}`;
    let path = `${this.#options.basePath}${call.endpoint}`;
    let body: Buffer | undefined;
    if (call.upload !== undefined) {
      Object.assign(headers, call.upload.headers, {
        'irods-api-request-op': call.op,
        'content-type': 'application/octet-stream',
      });
      body = await call.upload.body();
    } else if (call.method === 'GET') {
      path += queryString(call);
    } else if (call.noBody !== true) {
      const parts: [string, string | Buffer][] = [['op', call.op]];
      for (const [key, value] of Object.entries(call.params ?? {})) {
        if (value !== undefined) parts.push([key, value]);
      }
      if (call.formBytes !== undefined) parts.push(['bytes', await call.formBytes()]);
      const form = multipartBody(parts);
      body = form.body;
      headers['content-type'] = form.contentType;
    }
    this.#requests += 1;
    try {
      const response = await this.#pool.request({ path, method: call.method, headers, body });
      const bytes = Buffer.from(await response.body.arrayBuffer());
      return { status: response.statusCode, body: bytes };
    } catch (cause) {
      const invalid = (cause as { code?: unknown }).code === 'UND_ERR_INVALID_ARG';
      throw new IrodsError({
        ...context(call),
        layer: invalid ? FAILURE_LAYER.client : FAILURE_LAYER.transport,
        code: invalid ? 'IRODS_UNSUPPORTED' : undefined,
        reason: invalid
          ? 'the request could not be built'
          : `no response (${describeCause(cause)})`,
        cause,
      });
    }
  }

  #interpret(call: InternalCall, response: RawResponse, expect: Expect): unknown {
    if (response.status !== 200) {
      const parsed = parseJson(response.body);
      const irodsCode = statusCodeOf(parsed);
      if (irodsCode !== undefined && irodsCode !== 0 && call.accept?.(irodsCode) === true) {
        return parsed;
      }
      throw new IrodsError({
        ...context(call),
        layer: FAILURE_LAYER.http,
        httpStatus: response.status,
        irodsCode: irodsCode === 0 ? undefined : irodsCode,
        code: response.status === 401 ? 'IRODS_AUTHENTICATION' : undefined,
        reason: statusReason(call, response.status),
      });
    }
    if (expect === EXPECT.bytes) return response.body;
    if (expect === EXPECT.text) return response.body.toString('utf8');
    const parsed = parseJson(response.body);
    if (parsed === undefined) {
      throw new IrodsError({
        ...context(call),
        layer: FAILURE_LAYER.client,
        reason: 'the answer is not a JSON object',
      });
    }
    if (expect === EXPECT.plainJson) return parsed;
    const irodsCode = statusCodeOf(parsed);
    if (irodsCode === undefined) {
      throw new IrodsError({
        ...context(call),
        layer: FAILURE_LAYER.client,
        reason: 'the answer has no irods_response.status_code',
      });
    }
    if (irodsCode !== 0 && call.accept?.(irodsCode) !== true) {
      throw new IrodsError({
        ...context(call),
        layer: FAILURE_LAYER.irods,
        httpStatus: 200,
        irodsCode,
      });
    }
    return parsed;
  }
}

function context(call: ApiCall): { op: string; action: string; path: string | undefined } {
  return { op: call.op, action: call.action, path: call.path };
}

function queryString(call: ApiCall): string {
  const pairs = [`op=${encodeURIComponent(call.op)}`];
  for (const [key, value] of Object.entries(call.params ?? {})) {
    if (value === undefined) continue;
    if (!canTravelInQueryString(value)) {
      throw new IrodsError({
        ...context(call),
        layer: FAILURE_LAYER.client,
        code: 'IRODS_UNSUPPORTED',
        reason: `the ${key} parameter contains "+", which a GET request delivers as a space`,
        retryable: false,
      });
    }
    pairs.push(`${encodeURIComponent(key)}=${encodeURIComponent(value)}`);
  }
  return `?${pairs.join('&')}`;
}

function statusReason(call: ApiCall, status: number): string | undefined {
  if (status === 401) {
    return call.endpoint === ENDPOINT.authenticate
      ? 'user name or password refused'
      : 'token refused';
  }
  if (status === 404 && call.endpoint === ENDPOINT.info) {
    return 'no iRODS HTTP API answers under this URL (wrong version prefix or URL)';
  }
  return undefined;
}

function describeCause(cause: unknown): string {
  if (!(cause instanceof Error)) return String(cause);
  const code = (cause as { code?: unknown }).code;
  return typeof code === 'string' ? `${code}: ${cause.message}` : cause.message;
}
