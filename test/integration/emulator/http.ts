import assert from 'node:assert/strict';
import { createHash, randomUUID } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { FormData, request } from 'undici';
import type { TestEmulator } from '../../helpers/emulator.js';

/**
 * Request helpers for the emulator conformance tests. They send exactly what a test asks for
 * (raw query strings and bodies when a quirk is under test) and hand back the raw response, so
 * the tests can compare status, headers and bytes with the spec.
 */

export const ZONE = 'tempZone';
export const ADMIN_HOME = `/${ZONE}/home/rods`;
export const VERSION = '0.7.0';

export type Params = Record<string, string | number>;

export interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  /** The body as UTF-8. */
  text: string;
}

/** What the tests read from a JSON body; everything else is compared as a whole. */
export interface IrodsBody {
  irods_response: {
    status_code: number;
    status_message?: string;
    failed_operation?: unknown;
  };
  [key: string]: unknown;
}

interface SendOptions {
  method?: string;
  /** Route below the versioned prefix (`/collections`), or an absolute path when `raw` is set. */
  path: string;
  /** Query string without `?`, sent exactly as given. */
  query?: string;
  headers?: Record<string, string>;
  body?: string | Buffer | FormData;
  /** `path` is taken from the origin, without the version prefix. */
  raw?: boolean;
}

export async function send(emu: TestEmulator, options: SendOptions): Promise<Reply> {
  const base = options.raw ? emu.origin : emu.url;
  const url = `${base}${options.path}${options.query === undefined ? '' : `?${options.query}`}`;
  const res = await request(url, {
    method: (options.method ?? 'GET') as 'GET',
    headers: options.headers ?? {},
    body: options.body ?? null,
  });
  const body = Buffer.from(await res.body.arrayBuffer());
  return {
    status: res.statusCode,
    headers: res.headers,
    body,
    text: body.toString('utf8'),
  };
}

/** `k=v&k=v` with every reserved byte percent-encoded (a space as `%20`, never `+`). */
export function encodeParams(params: Params): string {
  return Object.entries(params)
    .map(([key, value]) => `${encodeURIComponent(key)}=${encodeURIComponent(String(value))}`)
    .join('&');
}

/** Compact JSON with object keys sorted in byte order at every level, as the server writes it. */
export function sortedJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(sortedJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) =>
      Buffer.compare(Buffer.from(a), Buffer.from(b)),
    );
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${sortedJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** Parses a JSON reply after checking it is an `application/json` body in the server's form. */
export function parse(reply: Reply): IrodsBody {
  assert.match(String(reply.headers['content-type']), /^application\/json/);
  const value = JSON.parse(reply.text) as IrodsBody;
  assert.equal(reply.text, sortedJson(value), 'body is compact JSON with sorted keys');
  return value;
}

/** The `irods_response.status_code` of a 200 reply. */
export function code(reply: Reply): number {
  assert.equal(reply.status, 200, `HTTP status (body: ${reply.text})`);
  return parse(reply).irods_response.status_code;
}

/** Asserts a plain success: HTTP 200 and status_code 0. */
export function ok(reply: Reply): IrodsBody {
  assert.equal(reply.status, 200, `HTTP status (body: ${reply.text})`);
  const body = parse(reply);
  assert.equal(body.irods_response.status_code, 0, `status_code (body: ${reply.text})`);
  return body;
}

/** Asserts an error reply with a status and no body at all. */
export function emptyError(reply: Reply, status: number): void {
  assert.equal(reply.status, status, `HTTP status (body: ${reply.text})`);
  assert.equal(reply.body.length, 0, 'empty body');
}

/** A checksum in the server's default form (§7.5), for content without a known spec value. */
export function sha2(data: string | Buffer): string {
  return `sha2:${createHash('sha256').update(data).digest('base64')}`;
}

export function unique(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

export function basic(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
}

export async function authenticate(emu: TestEmulator, user: string, password: string) {
  const reply = await send(emu, {
    method: 'POST',
    path: '/authenticate',
    headers: { authorization: basic(user, password) },
  });
  assert.equal(reply.status, 200, `authenticate ${user}`);
  return reply.text;
}

/** Requests made with one bearer token. */
export class Session {
  constructor(
    readonly emu: TestEmulator,
    readonly token: string,
  ) {}

  static async login(emu: TestEmulator, user = 'rods', password = 'rods'): Promise<Session> {
    return new Session(emu, await authenticate(emu, user, password));
  }

  private auth(extra: Record<string, string> = {}): Record<string, string> {
    return { authorization: `Bearer ${this.token}`, ...extra };
  }

  get(route: string, params: Params): Promise<Reply> {
    return this.getRaw(route, encodeParams(params));
  }

  getRaw(route: string, query: string): Promise<Reply> {
    return send(this.emu, { path: route, query, headers: this.auth() });
  }

  post(route: string, params: Params): Promise<Reply> {
    return this.postRaw(route, encodeParams(params));
  }

  postRaw(route: string, body: string | Buffer, contentType = URLENCODED): Promise<Reply> {
    return send(this.emu, {
      method: 'POST',
      path: route,
      headers: this.auth({ 'content-type': contentType }),
      body,
    });
  }

  /** POST as multipart/form-data built by undici; values arrive verbatim. */
  postMultipart(route: string, params: Record<string, string | number | Buffer>): Promise<Reply> {
    const form = new FormData();
    for (const [key, value] of Object.entries(params)) {
      form.append(key, Buffer.isBuffer(value) ? new Blob([value]) : String(value));
    }
    return send(this.emu, { method: 'POST', path: route, headers: this.auth(), body: form });
  }

  /**
   * The header-based write (§5.2.2): `params` become `irods-api-request-<name>` headers, their
   * strings sent as UTF-8 bytes.
   */
  headerWrite(params: Params, bytes: string | Buffer, contentType?: string): Promise<Reply> {
    const headers = this.auth({ 'irods-api-request-op': 'write' });
    for (const [key, value] of Object.entries(params)) {
      headers[`irods-api-request-${key}`] = Buffer.from(String(value), 'utf8').toString('latin1');
    }
    if (contentType !== undefined) headers['content-type'] = contentType;
    return send(this.emu, {
      method: 'POST',
      path: '/data-objects',
      headers,
      body: typeof bytes === 'string' ? Buffer.from(bytes) : bytes,
    });
  }

  /** Creates or replaces a data object with a multipart write and checks it succeeded. */
  async put(lpath: string, bytes: string | Buffer): Promise<void> {
    ok(
      await this.postMultipart('/data-objects', { op: 'write', lpath, bytes: Buffer.from(bytes) }),
    );
  }

  async mkdir(lpath: string): Promise<void> {
    const reply = await this.postMultipart('/collections', {
      op: 'create',
      lpath,
      'create-intermediates': 1,
    });
    assert.equal(ok(reply).created, true, `create ${lpath}`);
  }

  /** The bytes of a data object, asserting the read succeeded. */
  async content(lpath: string): Promise<Buffer> {
    const reply = await this.get('/data-objects', { op: 'read', lpath });
    assert.equal(reply.status, 200, `read ${lpath}`);
    return reply.body;
  }

  statObject(lpath: string): Promise<Reply> {
    return this.get('/data-objects', { op: 'stat', lpath });
  }

  statCollection(lpath: string): Promise<Reply> {
    return this.get('/collections', { op: 'stat', lpath });
  }

  async checksum(lpath: string, extra: Params = {}): Promise<string> {
    const reply = await this.postMultipart('/data-objects', {
      op: 'calculate_checksum',
      lpath,
      ...extra,
    });
    return String(ok(reply).checksum);
  }

  /** GenQuery1 rows, asserting success. */
  async rows(query: string, extra: Params = {}): Promise<string[][]> {
    const reply = await this.get('/query', { op: 'execute_genquery', query, ...extra });
    return ok(reply).rows as string[][];
  }

  /** Creates a resource as this rodsadmin session, asserting success. */
  async createResource(name: string, type: string, extra: Params = {}): Promise<void> {
    ok(await this.post('/resources', { op: 'create', name, type, ...extra }));
  }

  async addChild(parent: string, child: string): Promise<void> {
    const params = { op: 'add_child', 'parent-name': parent, 'child-name': child };
    ok(await this.post('/resources', params));
  }

  /** GenQuery rows of an object's replicas, ordered by replica number. */
  replicaRows(lpath: string, columns: string): Promise<string[][]> {
    const slash = lpath.lastIndexOf('/');
    return this.rows(
      `select order_asc(DATA_REPL_NUM), ${columns} where COLL_NAME = '${lpath.slice(0, slash)}' and DATA_NAME = '${lpath.slice(slash + 1)}'`,
    );
  }

  /** Creates a rodsuser with a password (as this rodsadmin session) and logs in as it. */
  async createUser(name: string, password: string): Promise<Session> {
    ok(await this.post('/users-groups', { op: 'create_user', name, zone: ZONE }));
    const setPassword = { op: 'set_password', name, zone: ZONE, 'new-password': password };
    ok(await this.post('/users-groups', setPassword));
    return Session.login(this.emu, name, password);
  }
}

export const URLENCODED = 'application/x-www-form-urlencoded';

export interface RawOutcome {
  /** Every byte the server sent. */
  received: Buffer;
  /** The server closed (or reset) the connection before `waitMs` ran out. */
  closed: boolean;
}

/**
 * A hand-driven TCP connection, for requests undici would not send as-is and for observing a
 * connection that is closed without any response.
 */
export class RawConnection {
  private readonly chunks: Buffer[] = [];
  private readonly done: Promise<void>;
  private readonly socket: Socket;

  constructor(port: number) {
    this.socket = connect(port, '127.0.0.1');
    this.socket.on('data', (chunk: Buffer) => this.chunks.push(chunk));
    this.done = new Promise((resolve) => {
      this.socket.on('close', () => resolve());
      // A reset is a close for our purposes; the 'close' event follows it.
      this.socket.on('error', () => undefined);
    });
  }

  write(bytes: string | Buffer): void {
    this.socket.write(bytes);
  }

  /** Waits until the server closes the connection or `waitMs` passes. */
  async outcome(waitMs = 5_000): Promise<RawOutcome> {
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), waitMs);
    });
    const closed = await Promise.race([this.done.then(() => true), timedOut]);
    clearTimeout(timer);
    if (!closed) this.socket.destroy();
    return { received: Buffer.concat(this.chunks), closed };
  }

  /** The status code of the first response received so far, if any. */
  status(): number | undefined {
    const match = /^HTTP\/1\.1 (\d{3})/.exec(Buffer.concat(this.chunks).toString('latin1'));
    return match ? Number(match[1]) : undefined;
  }
}

/** The request head of a raw HTTP/1.1 request to the emulator. */
export function requestHead(
  emu: TestEmulator,
  method: string,
  route: string,
  headers: Record<string, string | number>,
): string {
  const lines = [
    `${method} /irods-http-api/${VERSION}${route} HTTP/1.1`,
    `Host: 127.0.0.1:${emu.port}`,
  ];
  for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${value}`);
  return `${lines.join('\r\n')}\r\n\r\n`;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
