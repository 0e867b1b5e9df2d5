/**
 * A small client of the control API on the Unix socket, used by `irods-ingestctl` and by tests.
 * Every call resolves with the answer's status, its exact text (what `--json` prints) and the
 * parsed value, or throws one of three typed errors:
 *
 * - DaemonUnreachableError: no connection could be made (socket missing, nobody listening,
 *   permission denied); ctl exits 3.
 * - ControlAnswerError: the daemon answered with an error (its code and message).
 * - ControlProtocolError: the connection broke, timed out, or the answer was not JSON.
 */
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { answerCodeOf, IngestError } from '../errors.js';
import type {
  AllowDeletesResult,
  DaemonStatus,
  FailureList,
  JobAction,
  JobStatus,
  ReloadResult,
  WorkerInfo,
} from '../control/wire.js';

export class DaemonUnreachableError extends IngestError {
  readonly socketPath: string;
  /** The errno code of the failed connect (ENOENT, ECONNREFUSED, EACCES, ...). */
  readonly errno: string | undefined;

  constructor(socketPath: string, cause: NodeJS.ErrnoException) {
    super(
      'DAEMON_UNREACHABLE',
      `cannot reach the daemon at ${socketPath}: ${describeConnectError(cause)}`,
      { cause },
    );
    this.socketPath = socketPath;
    this.errno = cause.code;
  }
}

/**
 * The daemon answered with an error. `code` is the catalogue's code for the answer's (`wire`, as
 * the daemon spelled it), or CONTROL_UNKNOWN_ANSWER for a code this ctl does not know.
 */
export class ControlAnswerError extends IngestError {
  readonly status: number;
  readonly wire: string;
  /** The answer as sent, for `--json`. */
  readonly text: string;

  constructor(status: number, wire: string, message: string, text: string) {
    super(answerCodeOf(wire) ?? 'CONTROL_UNKNOWN_ANSWER', message);
    this.status = status;
    this.wire = wire;
    this.text = text;
  }
}

export class ControlProtocolError extends IngestError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('CONTROL_PROTOCOL', message, options);
  }
}

export interface Answer<T> {
  status: number;
  /** The body exactly as the daemon sent it, without the trailing newline. */
  text: string;
  value: T;
}

export interface ClientOptions {
  /** Longest silence on the connection before a call fails. @defaultValue 30 s */
  timeoutMs?: number;
}

/** Largest answer read (failure pages and configs stay far below). */
const MAX_ANSWER_BYTES = 64 * 1024 * 1024;

export class ControlClient {
  readonly socketPath: string;
  readonly #timeoutMs: number;

  constructor(socketPath: string, options: ClientOptions = {}) {
    this.socketPath = socketPath;
    this.#timeoutMs = options.timeoutMs ?? 30_000;
  }

  status(): Promise<Answer<DaemonStatus>> {
    return this.request('GET', '/v1/status');
  }

  jobs(): Promise<Answer<{ jobs: JobStatus[] }>> {
    return this.request('GET', '/v1/jobs');
  }

  job(name: string): Promise<Answer<JobStatus>> {
    return this.request('GET', jobPath(name));
  }

  startJob(spec: Record<string, unknown>): Promise<Answer<JobStatus>> {
    return this.request('POST', '/v1/jobs', spec);
  }

  /** stop, pause, resume, rescan or resync; the others have their own answers. */
  action(
    name: string,
    action: Exclude<JobAction, 'retry' | 'allow-deletes' | 'forget'>,
  ): Promise<Answer<{ ok: boolean }>> {
    return this.request('POST', `${jobPath(name)}/${action}`);
  }

  forget(name: string): Promise<Answer<{ keys: number }>> {
    return this.request('POST', `${jobPath(name)}/forget`);
  }

  retry(name: string): Promise<Answer<{ queued: number }>> {
    return this.request('POST', `${jobPath(name)}/retry`);
  }

  allowDeletes(name: string): Promise<Answer<AllowDeletesResult>> {
    return this.request('POST', `${jobPath(name)}/allow-deletes`);
  }

  failures(name: string, page: { limit: number; cursor?: string }): Promise<Answer<FailureList>> {
    const query = new URLSearchParams({ limit: String(page.limit) });
    if (page.cursor !== undefined) query.set('cursor', page.cursor);
    return this.request('GET', `${jobPath(name)}/failures?${query.toString()}`);
  }

  workers(): Promise<Answer<{ workers: WorkerInfo[] }>> {
    return this.request('GET', '/v1/workers');
  }

  reload(options?: ClientOptions): Promise<Answer<ReloadResult>> {
    return this.request('POST', '/v1/reload', undefined, options);
  }

  drain(options?: ClientOptions): Promise<Answer<{ draining: boolean }>> {
    return this.request('POST', '/v1/drain', undefined, options);
  }

  config(): Promise<Answer<Record<string, unknown>>> {
    return this.request('GET', '/v1/config');
  }

  /** One call; `body` is sent as JSON. Resolves for 2xx answers only. */
  request<T>(
    method: string,
    path: string,
    body?: unknown,
    options: ClientOptions = {},
  ): Promise<Answer<T>> {
    const timeoutMs = options.timeoutMs ?? this.#timeoutMs;
    const payload = body === undefined ? undefined : JSON.stringify(body);
    return new Promise((resolve, reject) => {
      let connected = false;
      const req = httpRequest({
        socketPath: this.socketPath,
        path,
        method,
        agent: false,
        headers: {
          Accept: 'application/json',
          ...(payload === undefined
            ? {}
            : { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(payload) }),
        },
      });
      req.once('socket', (socket) => socket.once('connect', () => (connected = true)));
      req.setTimeout(timeoutMs, () => {
        req.destroy(
          new ControlProtocolError(
            `no answer from the daemon within ${timeoutMs} ms (${method} ${path})`,
          ),
        );
      });
      req.once('error', (error: NodeJS.ErrnoException) => {
        if (error instanceof ControlProtocolError) reject(error);
        else if (!connected) reject(new DaemonUnreachableError(this.socketPath, error));
        else
          reject(new ControlProtocolError(`${method} ${path}: ${error.message}`, { cause: error }));
      });
      req.once('response', (res) => {
        readAnswer<T>(res).then(resolve, (error: unknown) => {
          req.destroy();
          reject(
            error instanceof IngestError
              ? error
              : new ControlProtocolError(`${method} ${path}: ${String(error)}`),
          );
        });
      });
      req.end(payload);
    });
  }
}

function jobPath(name: string): string {
  return `/v1/jobs/${encodeURIComponent(name)}`;
}

async function readAnswer<T>(res: IncomingMessage): Promise<Answer<T>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of res as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_ANSWER_BYTES)
      throw new ControlProtocolError(`the answer is larger than ${MAX_ANSWER_BYTES} bytes`);
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8').replace(/\n$/, '');
  const status = res.statusCode ?? 0;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new ControlProtocolError(
      `the daemon answered ${status} with something that is not JSON: ${text.slice(0, 200)}`,
    );
  }
  if (status >= 200 && status < 300) return { status, text, value: value as T };
  const error = (value as { error?: { code?: unknown; message?: unknown } } | null)?.error;
  const code = typeof error?.code === 'string' ? error.code : 'unknown';
  const message =
    typeof error?.message === 'string' ? error.message : `the daemon answered ${status}`;
  throw new ControlAnswerError(status, code, message, text);
}

function describeConnectError(error: NodeJS.ErrnoException): string {
  switch (error.code) {
    case 'ENOENT':
      return 'no socket there (is irods-ingestd running?)';
    case 'ECONNREFUSED':
      return 'nobody is listening on it (irods-ingestd is not running, or crashed)';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied (are you in the group that owns the socket?)';
    default:
      return error.message;
  }
}
