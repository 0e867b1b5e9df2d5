import { irodsUrlProblem, trimUrl } from '../core/endpoint-rules.js';
import type { BackoffPolicy } from '../core/retry.js';
import { IrodsOptionError } from './errors.js';

export interface IrodsClientOptions {
  /** API base URL including the version prefix, e.g. `http://irods:9000/irods-http-api/0.7.0`. */
  url: string;
  username: string;
  /** Never logged, never copied into errors. */
  password: string;
  /** Keep-alive connections in the pool. @defaultValue 8 */
  connections?: number;
  /** Attempts per request for retryable failures, the first included. @defaultValue 5 */
  maxAttempts?: number;
  /** Exponential backoff between attempts. @defaultValue `{ baseMs: 200, maxMs: 10_000 }` */
  backoff?: BackoffPolicy;
  /** Upload chunk size in bytes, capped by the server's body limit. @defaultValue 8 MiB */
  chunkBytes?: number;
  /** Streams per parallel upload, capped by the server's per-handle limit. @defaultValue the limit */
  parallelStreams?: number;
  /** The server's whole-request deadline (`requests/timeout_in_seconds`). @defaultValue 30 */
  serverDeadlineSeconds?: number;
  /** Slowest transfer rate a chunk must still survive within half the deadline. @defaultValue 1 MiB/s */
  minBytesPerSecond?: number;
  /** How long to wait for response headers or the next body bytes, in ms. @defaultValue 60_000 */
  requestTimeoutMs?: number;
  /** Idle time after which a pooled connection is closed, in ms. @defaultValue 4_000 */
  keepAliveTimeoutMs?: number;
  /** Collections remembered as existing, so creating them again costs no request. @defaultValue 4096 */
  collectionCacheSize?: number;
  /** Hears every request attempt: its op, how long it took, and its error if it failed. */
  onRequest?: RequestListener;
}

export type RequestListener = (op: string, seconds: number, error?: unknown) => void;

export interface ResolvedOptions {
  /** The configured URL, without a trailing slash; named in connection errors. */
  readonly url: string;
  readonly origin: string;
  /** Version prefix every route lives under, e.g. `/irods-http-api/0.7.0`. */
  readonly basePath: string;
  readonly username: string;
  readonly connections: number;
  readonly maxAttempts: number;
  readonly backoff: Readonly<BackoffPolicy>;
  readonly chunkBytes: number | undefined;
  readonly parallelStreams: number | undefined;
  readonly serverDeadlineSeconds: number;
  readonly minBytesPerSecond: number;
  readonly requestTimeoutMs: number;
  readonly keepAliveTimeoutMs: number;
  readonly collectionCacheSize: number;
  readonly onRequest: RequestListener | undefined;
}

function positiveInteger(name: string, value: number | undefined, fallback: number): number {
  const chosen = value ?? fallback;
  if (!Number.isSafeInteger(chosen) || chosen < 1) {
    throw new IrodsOptionError(name, `must be a positive integer, got ${String(value)}`);
  }
  return chosen;
}

/** Checks every option, fills in defaults and freezes the result. The password stays outside. */
export function resolveOptions(options: IrodsClientOptions): ResolvedOptions {
  const urlProblem = irodsUrlProblem(options.url);
  if (urlProblem !== undefined) throw new IrodsOptionError('url', urlProblem);
  const parsed = new URL(trimUrl(options.url));
  const basePath = parsed.pathname;
  if (typeof options.username !== 'string' || options.username === '') {
    throw new IrodsOptionError('username', 'must be a non-empty string');
  }
  if (typeof options.password !== 'string') {
    throw new IrodsOptionError('password', 'must be a string');
  }
  const backoff = options.backoff ?? { baseMs: 200, maxMs: 10_000 };
  if (!(backoff.baseMs >= 0) || !(backoff.maxMs >= backoff.baseMs)) {
    throw new IrodsOptionError('backoff', 'needs 0 <= baseMs <= maxMs');
  }
  return Object.freeze({
    url: `${parsed.origin}${basePath}`,
    origin: parsed.origin,
    basePath,
    username: options.username,
    connections: positiveInteger('connections', options.connections, 8),
    maxAttempts: positiveInteger('maxAttempts', options.maxAttempts, 5),
    backoff: Object.freeze({ ...backoff }),
    chunkBytes:
      options.chunkBytes === undefined
        ? undefined
        : positiveInteger('chunkBytes', options.chunkBytes, 1),
    parallelStreams:
      options.parallelStreams === undefined
        ? undefined
        : positiveInteger('parallelStreams', options.parallelStreams, 1),
    serverDeadlineSeconds: positiveInteger(
      'serverDeadlineSeconds',
      options.serverDeadlineSeconds,
      30,
    ),
    minBytesPerSecond: positiveInteger('minBytesPerSecond', options.minBytesPerSecond, 1024 * 1024),
    requestTimeoutMs: positiveInteger('requestTimeoutMs', options.requestTimeoutMs, 60_000),
    keepAliveTimeoutMs: positiveInteger('keepAliveTimeoutMs', options.keepAliveTimeoutMs, 4_000),
    collectionCacheSize: positiveInteger('collectionCacheSize', options.collectionCacheSize, 4096),
    onRequest: options.onRequest,
  });
}
