/**
 * The HTTP front of the emulator (spec §1): the versioned prefix and exact routes, the dispatch
 * order of §1.2, the body limit (connection dropped without a response), one deadline for the
 * whole request, the `Server` header, and the control routes under /_emulator/ for tests
 * (`stats`, `faults`, and `writes`: the content log of content-log.ts).
 *
 * A plain net.Server owns the listening socket and hands connections to the http.Server, so that
 * a `refuseForMs` fault can stop listening and listen again on the same port while existing
 * connections keep working.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import {
  createServer as createNetServer,
  type AddressInfo,
  type Server as NetServer,
} from 'node:net';
import { parseBearer } from './auth.js';
import { FAULT_ACTIONS, FaultSpecError, parseFaultSpec } from './faults.js';
import { BodyLimitExceeded, Reply, RequestParams } from './http.js';
import { sortedJson } from './json.js';
import {
  MultipartError,
  multipartBoundary,
  parseMultipart,
  parseUrlEncoded,
  type Params,
} from './params.js';
import type { EmulatorState, OpHandler, RouteOps } from './state.js';
import { StorageError } from './storage.js';

const cpuSeconds = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
};

/** The build the emulator claims to be: the 0.7.0 tag's commit (only its short form is known). */
export const BUILD_SHA = '3b5ccec74ca5';

export interface ApiRoutes {
  readonly routes: Readonly<Record<string, RouteOps>>;
  readonly authenticate: (state: EmulatorState, req: IncomingMessage, reply: Reply) => void;
  readonly info: (state: EmulatorState, req: IncomingMessage, reply: Reply) => void;
  /** The header-based write of §5.2.2; it reads the request body itself. */
  readonly headerWrite: (ctx: Parameters<OpHandler>[0], req: IncomingMessage) => Promise<void>;
}

export interface ListeningServer {
  readonly port: number;
  readonly host: string;
  close(): Promise<void>;
}

export async function listen(
  state: EmulatorState,
  api: ApiRoutes,
  host: string,
  port: number,
): Promise<ListeningServer> {
  const { config } = state;
  const prefix = `/irods-http-api/${config.emulator.version}/`;
  const limit = config.http_server.requests.max_size_of_request_body_in_bytes;
  const timeoutMs = config.http_server.requests.timeout_in_seconds * 1000;
  const serverHeader = `irods_http_api/${config.emulator.version} (${BUILD_SHA})`;

  const http = createServer(
    { keepAliveTimeout: timeoutMs, requestTimeout: 0, headersTimeout: timeoutMs },
    (req, res) => {
      res.setHeader('Server', serverHeader);
      // Held here because Node detaches req.socket (sets it to null) once the exchange is over.
      const socket = req.socket;
      // One deadline for reading, work and response (§1.4): on expiry the socket is destroyed.
      const deadline = setTimeout(() => socket.destroy(), timeoutMs);
      res.once('close', () => clearTimeout(deadline));
      handle(req, res).catch((error: unknown) => {
        const reply = new Reply(res);
        // The server reports a failure of a resource's storage as the op's iRODS status.
        if (error instanceof StorageError && !reply.sent) {
          return reply.irods(200, error.irodsCode, error.message);
        }
        if (!(error instanceof BodyLimitExceeded))
          console.error('irods-emulator: request failed:', error);
        if (error instanceof BodyLimitExceeded || reply.sent) socket.destroy();
        else reply.fail(500);
      });
    },
  );

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const reply = new Reply(res);
    const rawUrl = req.url ?? '/';
    const queryAt = rawUrl.indexOf('?');
    const path = queryAt < 0 ? rawUrl : rawUrl.slice(0, queryAt);
    const query = queryAt < 0 ? '' : rawUrl.slice(queryAt + 1);
    if (path.startsWith('/_emulator/'))
      return control(req, reply, path.slice('/_emulator/'.length));
    state.counters.requests += 1;
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > limit) {
      req.socket.destroy();
      return;
    }
    if (!path.startsWith(prefix)) return reply.fail(404);
    const routeName = path.slice(prefix.length);
    const method = req.method ?? '';
    if (routeName === 'authenticate') {
      if (method !== 'POST') return reply.fail(405);
      if (await faulted(req, reply, 'authenticate')) return;
      return api.authenticate(state, req, reply);
    }
    if (routeName === 'info') {
      if (method !== 'GET') return reply.fail(405);
      if (await faulted(req, reply, 'info')) return;
      return api.info(state, req, reply);
    }
    const route = Object.hasOwn(api.routes, routeName) ? api.routes[routeName] : undefined;
    if (!route) return reply.fail(404);
    if (method !== 'GET' && method !== 'POST') return reply.fail(405);
    const ops = route[method];
    if (!ops) return reply.fail(405);

    const headerOp = req.headers['irods-api-request-op'];
    if (method === 'POST' && routeName === 'data-objects' && headerOp === 'write') {
      countOp(routeName, 'write');
      const who = authorize(req, reply);
      if (!who) return;
      if (await faulted(req, reply, 'write')) return;
      state.counters.dataWrites += 1;
      return api.headerWrite({ state, params: headerParams(req), who, reply }, req);
    }

    let params: Params;
    if (method === 'GET') params = parseUrlEncoded(query);
    else {
      const contentType = (req.headers['content-type'] ?? '').toLowerCase();
      const boundary = contentType.startsWith('multipart/form-data')
        ? multipartBoundary(req.headers['content-type']!)
        : undefined;
      const urlencoded = contentType.startsWith('application/x-www-form-urlencoded');
      if (!urlencoded && boundary === undefined) return reply.fail(400);
      const body = await readBody(req, limit);
      try {
        params = urlencoded
          ? parseUrlEncoded(body.toString('latin1'))
          : parseMultipart(body, boundary!);
      } catch (error) {
        if (error instanceof MultipartError) return reply.fail(400);
        throw error;
      }
    }
    const op = params.get('op')?.toString('utf8');
    if (op === undefined) return reply.fail(400);
    const handler = Object.hasOwn(ops, op) ? ops[op] : undefined;
    if (!handler) return reply.fail(400);
    countOp(routeName, op);
    const who = authorize(req, reply);
    if (!who) return;
    if (await faulted(req, reply, op)) return;
    if (routeName === 'data-objects' && op === 'write') state.counters.dataWrites += 1;
    await handler({ state, params: new RequestParams(params), who, reply });
  };

  /** Requests per route and op (`collections:rename`), for tests that count what a client sent. */
  const countOp = (routeName: string, op: string) => {
    const key = `${routeName}:${op}`;
    state.counters.ops.set(key, (state.counters.ops.get(key) ?? 0) + 1);
  };

  const authorize = (req: IncomingMessage, reply: Reply) => {
    const header = req.headers.authorization;
    if (header === undefined) return reply.fail(400);
    const token = parseBearer(header);
    if (token === undefined) return reply.fail(400);
    const user = state.tokens.userOf(token);
    const who = user === undefined ? undefined : state.catalog.principal(user);
    if (!who) return reply.fail(401);
    return who;
  };

  /**
   * Applies injected faults; true when the request has been answered or dropped. A request whose
   * answer is to be lost goes on, and its reply cuts the connection instead of answering.
   */
  const faulted = async (req: IncomingMessage, reply: Reply, op: string): Promise<boolean> => {
    const { action, delayMs } = state.faults.decide(op);
    if (delayMs > 0) {
      state.counters.delayed += 1;
      try {
        await new Promise((resolve) => setTimeout(resolve, delayMs));
      } finally {
        state.counters.delayed -= 1;
      }
    }
    if (action === FAULT_ACTIONS.drop) {
      // After the delay the socket may be gone already (the client gave up): nothing to drop.
      req.socket?.destroy();
      return true;
    }
    if (action === FAULT_ACTIONS.fail) {
      reply.fail(state.faults.status);
      return true;
    }
    if (action === FAULT_ACTIONS.lose) reply.loseAnswer();
    return false;
  };

  const control = async (req: IncomingMessage, reply: Reply, what: string): Promise<void> => {
    if (what === 'stats' && req.method === 'GET') {
      return reply.json(200, {
        requests: state.counters.requests,
        // Requests that write bytes into a data object (op write, either form).
        data_writes: state.counters.dataWrites,
        // The bytes they carried into data objects (an append counts only what it sent).
        data_bytes_written: state.counters.dataBytes,
        requests_by_op: Object.fromEntries(state.counters.ops),
        // Requests held right now by an injected latency: a test acts while one is in flight.
        delayed_requests: state.counters.delayed,
        // For the benchmarks' CPU accounting: what serving the requests cost this process.
        cpu_seconds: cpuSeconds(),
        tokens_issued: state.tokens.issued,
        open_parallel_write_handles: state.writes.handleCount,
        active_parallel_write_streams: state.writes.activeStreams,
        data_objects: state.catalog.dataObjectCount,
        collections: state.catalog.collectionCount,
      });
    }
    if (what === 'writes' && req.method === 'GET') {
      return reply.json(200, state.contentLog.toJSON());
    }
    if (what === 'faults' && req.method === 'DELETE') {
      state.faults.clear();
      return reply.json(200, {});
    }
    if (what === 'faults' && req.method === 'POST') {
      const body = await readBody(req, limit);
      try {
        const spec = parseFaultSpec(JSON.parse(body.toString('utf8') || '{}'));
        state.faults.set(spec);
        reply.json(200, {});
        if (spec.refuseForMs > 0) refuseFor(spec.refuseForMs);
      } catch (error) {
        if (!(error instanceof FaultSpecError) && !(error instanceof SyntaxError)) throw error;
        reply.send(400, 'application/json', sortedJson({ error: error.message }));
      }
      return;
    }
    reply.fail(404);
  };

  const listener: NetServer = createNetServer((socket) => http.emit('connection', socket));
  const listenOn = (onPort: number) =>
    new Promise<void>((resolve, reject) => {
      listener.once('error', reject);
      listener.listen(onPort, host, () => {
        listener.off('error', reject);
        resolve();
      });
    });
  await listenOn(port);
  const boundPort = (listener.address() as AddressInfo).port;
  let refuseTimer: NodeJS.Timeout | undefined;
  let closed = false;
  const refuseFor = (ms: number) => {
    if (refuseTimer || closed) return;
    listener.close();
    refuseTimer = setTimeout(() => {
      refuseTimer = undefined;
      if (!closed)
        listenOn(boundPort).catch((error: unknown) =>
          console.error('irods-emulator: relisten failed:', error),
        );
    }, ms);
  };

  return {
    port: boundPort,
    host,
    async close() {
      closed = true;
      clearTimeout(refuseTimer);
      await new Promise<void>((resolve) => {
        if (!listener.listening) return resolve();
        listener.close(() => resolve());
      });
      http.closeAllConnections();
    },
  };
}

/** Reads the whole body; a body growing past `limit` destroys the connection (§1.4). */
async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw new BodyLimitExceeded(limit);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** Header-form parameters: `irods-api-request-<param>` headers, raw bytes (§5.2.2). */
function headerParams(req: IncomingMessage): RequestParams {
  const params = new Map<string, Buffer>();
  const prefix = 'irods-api-request-';
  for (const [name, value] of Object.entries(req.headers)) {
    if (!name.startsWith(prefix) || value === undefined) continue;
    const text = Array.isArray(value) ? value[value.length - 1]! : value;
    params.set(name.slice(prefix.length), Buffer.from(text, 'latin1'));
  }
  return new RequestParams(params);
}
