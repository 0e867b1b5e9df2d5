/**
 * The control socket server: HTTP/1.1 + JSON on a Unix socket (design.md "Control API"), turning
 * the routes of routes.ts into calls on a ControlTarget.
 *
 * Whatever a client sends, the daemon keeps running: every request ends in a JSON answer or a
 * closed connection. Bodies are bounded (413 and the connection closed, the rest is not read),
 * headers and whole requests have deadlines (a slow or stalled client is cut off), parse errors
 * of the HTTP layer get a JSON 400, and text taken from the request is clipped before it is
 * echoed back. Errors of the target that are not ControlErrors become 500 `internal` with their
 * message and are logged with the stack.
 */
import { createServer, STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { clip, IngestError, messageOf } from '../errors.js';
import { answerOf, ControlError } from './http-errors.js';
import { matchRoute, MethodNotAllowed, READ_ONLY_ROUTES, type Route } from './routes.js';
import { bindSocketFile, SOCKET_MODE, unreachableBy } from './socket-file.js';
import { streamEvents } from './event-stream.js';
import type { ControlTarget } from './target.js';

/** What the server logs; a winston logger fits. */
export interface ControlLogger {
  error(message: string, meta?: Record<string, unknown>): unknown;
  warn(message: string, meta?: Record<string, unknown>): unknown;
  debug(message: string, meta?: Record<string, unknown>): unknown;
}

export interface ControlServerOptions {
  socketPath: string;
  target: ControlTarget;
  logger: ControlLogger;
  /** Permission bits of the socket file. @defaultValue 0o660 */
  mode?: number;
  /** The group the socket file gets; absent keeps the daemon's group. */
  group?: { gid: number; name: string };
  /**
   * The read-only socket: only READ_ONLY_ROUTES are served; every other request, POSTs first,
   * answers 403 `read-only`. @defaultValue false
   */
  readOnly?: boolean;
  /** Largest request body accepted. @defaultValue 1 MiB */
  maxBodyBytes?: number;
  /** Time a client has to send the request headers. @defaultValue 10 s */
  headersTimeoutMs?: number;
  /** Time a client has to send the whole request, body included. @defaultValue 30 s */
  requestTimeoutMs?: number;
}

export interface ControlServer {
  readonly socketPath: string;
  /**
   * Removes the socket file (if still ours), stops accepting, ends event streams and waits for
   * requests in flight (cut off after a short grace). Runs once; later calls share the promise.
   */
  close(): Promise<void>;
}

const DEFAULTS = {
  maxBodyBytes: 1024 * 1024,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
} as const;
/** Idle keep-alive connections are closed after this (ms). */
const KEEP_ALIVE_MS = 5_000;
/** Open connections at most; more are refused by Node until some close. */
const MAX_CONNECTIONS = 256;
/** How long close() lets requests in flight finish before cutting them (ms). */
const CLOSE_GRACE_MS = 2_000;

export async function startControlServer(options: ControlServerOptions): Promise<ControlServer> {
  const { socketPath, target, logger } = options;
  const readOnly = options.readOnly ?? false;
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULTS.maxBodyBytes;
  const headersTimeout = options.headersTimeoutMs ?? DEFAULTS.headersTimeoutMs;
  const requestTimeout = Math.max(
    options.requestTimeoutMs ?? DEFAULTS.requestTimeoutMs,
    headersTimeout,
  );
  if (!(maxBodyBytes > 0)) throw new RangeError('maxBodyBytes must be greater than 0');

  const streams = new Set<AbortController>();
  const server = createServer({
    headersTimeout,
    requestTimeout,
    keepAliveTimeout: KEEP_ALIVE_MS,
    // Host means nothing on a Unix socket; Node's own 400 for a missing one would not be JSON.
    requireHostHeader: false,
    // Node checks the two timeouts above only this often (default 30 s).
    connectionsCheckingInterval: Math.min(1_000, Math.ceil(headersTimeout / 2)),
  });
  server.maxConnections = MAX_CONNECTIONS;
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    serve(req, res, { target, logger, maxBodyBytes, streams, readOnly }).catch((error: unknown) => {
      logger.error(`control request failed: ${String(error)}`);
      res.destroy();
    });
  });
  // `Expect: 100-continue`: refuse an oversized body before the client sends it.
  server.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => {
    if (Number(req.headers['content-length']) > maxBodyBytes) {
      sendError(req, res, tooLarge(maxBodyBytes));
      return;
    }
    res.writeContinue();
    server.emit('request', req, res);
  });
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Socket) => {
    answerClientError(error, socket);
  });
  server.on('error', (error) => logger.error(`control socket: ${error.message}`));

  const mode = options.mode ?? SOCKET_MODE;
  const what = readOnly ? 'read-only socket' : 'control socket';
  const bound = await bindSocketFile(server, socketPath, { mode, group: options.group });
  if (bound.replacedStale) logger.warn(`${what} ${socketPath}: replaced a stale socket`);
  const unreachable = await unreachableBy(socketPath, mode);
  if (unreachable !== undefined) logger.warn(`${what} ${socketPath}: ${unreachable}`);

  let closing: Promise<void> | undefined;
  const close = async () => {
    // The file goes first, so new clients see "not running" rather than hang on a closing server.
    await bound.release().catch((error: unknown) => {
      logger.warn(`${what} ${socketPath}: cannot remove it: ${String(error)}`);
    });
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const stream of streams) stream.abort();
    server.closeIdleConnections();
    const timer = setTimeout(() => server.closeAllConnections(), CLOSE_GRACE_MS);
    await closed;
    clearTimeout(timer);
  };
  return {
    socketPath,
    close: () => (closing ??= close()),
  };
}

interface Context {
  target: ControlTarget;
  logger: ControlLogger;
  maxBodyBytes: number;
  streams: Set<AbortController>;
  readOnly: boolean;
}

async function serve(req: IncomingMessage, res: ServerResponse, context: Context): Promise<void> {
  const method = req.method ?? '';
  const url = req.url ?? '';
  try {
    const body = await readBody(req, context.maxBodyBytes);
    if (context.readOnly && method !== 'GET') throw readOnlyRefusal(method, url);
    const route = matchRoute(method, url);
    if (context.readOnly && !READ_ONLY_ROUTES.has(route.name)) throw readOnlyRefusal(method, url);
    if (route.name === 'events') {
      await streamEvents(res, context.target, context.streams, (message) => {
        context.logger.warn(message);
      });
      return;
    }
    const { status, value } = await dispatch(route, context.target, body);
    sendJson(res, status, value);
  } catch (error) {
    if (error instanceof ClientGone) {
      context.logger.debug(`control ${method} ${clip(url, 200)}: the client left mid-request`);
      res.destroy();
      return;
    }
    const answer = answerOf(error);
    if (answer.code === 'INTERNAL') {
      context.logger.error(`control ${method} ${clip(url, 200)} failed: ${answer.message}`, {
        stack: error instanceof Error ? error.stack : undefined,
      });
    }
    sendError(req, res, answer);
  }
}

interface Answer {
  status: number;
  value: unknown;
}

async function dispatch(route: Route, target: ControlTarget, body: Buffer): Promise<Answer> {
  const ok = (value: unknown): Answer => ({ status: 200, value });
  switch (route.name) {
    case 'status':
      return ok(await target.status());
    case 'jobs':
      return ok({ jobs: await target.jobs() });
    case 'job':
      return ok(await target.job(route.job));
    case 'start':
      return { status: 201, value: await target.startJob(jobSpec(body)) };
    case 'action':
      if (route.action === 'retry') return ok(await target.retryJob(route.job));
      if (route.action === 'allow-deletes') return ok(await target.allowDeletes(route.job));
      if (route.action === 'forget') return ok(await target.forgetJob(route.job));
      await ACTIONS[route.action](target, route.job);
      return ok({ ok: true });
    case 'failures':
      return ok(await target.failures(route.job, { limit: route.limit, cursor: route.cursor }));
    case 'workers':
      return ok({ workers: await target.workers() });
    case 'reload':
      return ok(await target.reload());
    case 'drain':
      await target.drain();
      return { status: 202, value: { draining: true } };
    case 'config':
      return ok(await target.config());
    case 'events':
      throw new Error('events is a stream, not an answer');
  }
}

const ACTIONS = {
  stop: (target: ControlTarget, job: string) => target.stopJob(job),
  pause: (target: ControlTarget, job: string) => target.pauseJob(job),
  resume: (target: ControlTarget, job: string) => target.resumeJob(job),
  rescan: (target: ControlTarget, job: string) => target.rescanJob(job),
  resync: (target: ControlTarget, job: string) => target.resyncJob(job),
} as const;

/** The body of `POST /v1/jobs`: one JSON object, the `[[job]]` table. */
function jobSpec(body: Buffer): Record<string, unknown> {
  const text = body.toString('utf8');
  if (text.trim() === '') {
    throw new ControlError('BAD_REQUEST', 'the body must be the job as a JSON object; it is empty');
  }
  let spec: unknown;
  try {
    spec = JSON.parse(text);
  } catch (error) {
    throw new ControlError(
      'BAD_REQUEST',
      `the body is not valid JSON: ${clip(messageOf(error), 200)}`,
    );
  }
  if (typeof spec !== 'object' || spec === null || Array.isArray(spec)) {
    const kind = spec === null ? 'null' : Array.isArray(spec) ? 'an array' : `a ${typeof spec}`;
    throw new ControlError('BAD_REQUEST', `the body must be the job as a JSON object, not ${kind}`);
  }
  return spec as Record<string, unknown>;
}

/** The client closed the connection before its request was complete: nobody to answer. */
class ClientGone extends IngestError {
  constructor() {
    super('CONTROL_CLIENT_GONE', 'the client went away before sending the whole request');
  }
}

function readOnlyRefusal(method: string, url: string): ControlError {
  const path = clip(url.split('?')[0] ?? '', 200);
  return new ControlError(
    'READ_ONLY',
    `this is the read-only socket (daemon.status_socket): ${method} ${path} is not served here; use the control socket`,
  );
}

function tooLarge(limit: number): ControlError {
  return new ControlError('TOO_LARGE', `the request body is larger than ${limit} bytes`);
}

/** The whole body, or a 413 once it passes `limit` (declared or counted); reading stops there. */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > limit) return Promise.reject(tooLarge(limit));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) {
        chunks.push(chunk);
        return;
      }
      req.off('data', onData);
      req.pause();
      reject(tooLarge(limit));
    };
    req.on('data', onData);
    req.once('end', () => resolve(Buffer.concat(chunks)));
    const gone = () => reject(new ClientGone());
    req.once('error', gone);
    req.once('close', gone);
  });
}

const JSON_HEADERS = {
  'Content-Type': 'application/json; charset=utf-8',
  'Cache-Control': 'no-store',
};

function sendJson(res: ServerResponse, status: number, value: unknown): void {
  if (res.headersSent || res.destroyed) return;
  const text = `${JSON.stringify(value)}\n`;
  res.writeHead(status, { ...JSON_HEADERS, 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

function sendError(req: IncomingMessage, res: ServerResponse, error: ControlError): void {
  if (res.headersSent || res.destroyed) {
    res.destroy();
    return;
  }
  const text = error.body();
  const headers: Record<string, string | number> = {
    ...JSON_HEADERS,
    'Content-Length': Buffer.byteLength(text),
  };
  if (error instanceof MethodNotAllowed) headers.Allow = error.allow.join(', ');
  if (error.code === 'TOO_LARGE') {
    // The rest of the body is not read: close once the answer is out instead of draining it.
    headers.Connection = 'close';
    res.once('finish', () => req.socket.destroy());
  }
  res.writeHead(error.status, headers);
  res.end(text);
}

/** Errors of the HTTP parser and of the request deadlines, before any request exists. */
function answerClientError(error: NodeJS.ErrnoException, socket: Socket): void {
  if (error.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  const answer =
    error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? new ControlError('TIMEOUT', 'the request did not arrive in time')
      : error.code === 'HPE_HEADER_OVERFLOW'
        ? new ControlError('TOO_LARGE', 'the request headers are too large', 431)
        : new ControlError('BAD_REQUEST', `malformed HTTP request: ${clip(error.message, 120)}`);
  const text = answer.body();
  socket.end(
    `HTTP/1.1 ${answer.status} ${STATUS_CODES[answer.status] ?? 'Error'}\r\nContent-Type: application/json; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(text)}\r\nConnection: close\r\n\r\n${text}`,
  );
}
