/**
 * The routes of the control API (design.md "Control API") and the pure decision of which one a
 * request line names. Job names in paths are percent-decoded segments, so any name a config can
 * hold reaches the daemon unchanged.
 *
 *   GET  /v1/status                      daemon and job status
 *   GET  /v1/jobs                        { jobs: JobStatus[] }
 *   POST /v1/jobs                        ad-hoc job (body: the [[job]] table as JSON)
 *   GET  /v1/jobs/{name}                 one job
 *   POST /v1/jobs/{name}/{action}        stop | pause | resume | rescan | retry | allow-deletes |
 *                                        resync | forget
 *   GET  /v1/jobs/{name}/failures        ?limit=1..10000 (default 100) &cursor=
 *   GET  /v1/workers                     { workers: WorkerInfo[] }: every daemon on the Redis
 *   POST /v1/reload, POST /v1/drain
 *   GET  /v1/events                      NDJSON stream
 *   GET  /v1/config                      effective config, secrets redacted
 *
 * The read-only socket (daemon.status_socket) serves READ_ONLY_ROUTES and nothing else.
 */
import { clip } from '../errors.js';
import { ControlError } from './http-errors.js';
import { FAILURES_PAGE, JOB_ACTIONS, type JobAction } from './wire.js';

/** Longest cursor accepted; the daemon's cursors are short tokens. */
const MAX_CURSOR = 1000;

export type Route =
  | { name: 'status' }
  | { name: 'jobs' }
  | { name: 'start' }
  | { name: 'job'; job: string }
  | { name: 'action'; job: string; action: JobAction }
  | { name: 'failures'; job: string; limit: number; cursor?: string }
  | { name: 'workers' }
  | { name: 'reload' }
  | { name: 'drain' }
  | { name: 'events' }
  | { name: 'config' };

type Method = 'GET' | 'POST';

interface RouteSpec {
  method: Method;
  /** Literal segments, or `{name}` / `{action}` placeholders. */
  path: readonly string[];
  build(params: Params, query: URLSearchParams): Route;
}

interface Params {
  name: string;
  action: JobAction;
}

const ROUTES: readonly RouteSpec[] = [
  { method: 'GET', path: ['status'], build: () => ({ name: 'status' }) },
  { method: 'GET', path: ['jobs'], build: () => ({ name: 'jobs' }) },
  { method: 'POST', path: ['jobs'], build: () => ({ name: 'start' }) },
  { method: 'GET', path: ['jobs', '{name}'], build: (p) => ({ name: 'job', job: p.name }) },
  {
    method: 'POST',
    path: ['jobs', '{name}', '{action}'],
    build: (p) => ({ name: 'action', job: p.name, action: p.action }),
  },
  {
    method: 'GET',
    path: ['jobs', '{name}', 'failures'],
    build: (p, query) => ({ name: 'failures', job: p.name, ...failuresPage(query) }),
  },
  { method: 'GET', path: ['workers'], build: () => ({ name: 'workers' }) },
  { method: 'POST', path: ['reload'], build: () => ({ name: 'reload' }) },
  { method: 'POST', path: ['drain'], build: () => ({ name: 'drain' }) },
  { method: 'GET', path: ['events'], build: () => ({ name: 'events' }) },
  { method: 'GET', path: ['config'], build: () => ({ name: 'config' }) },
];

/**
 * What the read-only socket serves: what monitoring needs. A route added above is not served
 * there until it is listed here. The config is left out: it names the Redis URL (whoever can
 * reach that Redis can queue work for the daemon), the iRODS user and the credential files,
 * none of which a dashboard needs.
 */
export const READ_ONLY_ROUTES: ReadonlySet<Route['name']> = new Set([
  'status',
  'jobs',
  'job',
  'failures',
  'workers',
  'events',
]);

const PREFIX = '/v1/';

/**
 * The route `method` and `url` (the request target as sent) name. Throws ControlError: 404
 * `not-found` for an unknown path, 405 `method-not-allowed` (with `allow`) for a known path and
 * another method, 400 `bad-request` for broken percent-encoding or query values.
 */
export function matchRoute(method: string, url: string): Route {
  const queryAt = url.indexOf('?');
  const path = queryAt === -1 ? url : url.slice(0, queryAt);
  const query = new URLSearchParams(queryAt === -1 ? '' : url.slice(queryAt + 1));
  const segments = path.startsWith(PREFIX) ? path.slice(PREFIX.length).split('/') : undefined;

  const matching = segments === undefined ? [] : ROUTES.filter((r) => fits(r.path, segments));
  if (segments === undefined || matching.length === 0) {
    throw new ControlError('NOT_FOUND', `no such route: ${method} ${clip(path, 200)}`);
  }
  const spec = matching.find((r) => r.method === method);
  if (spec === undefined) {
    throw new MethodNotAllowed(
      method,
      clip(path, 200),
      matching.map((r) => r.method),
    );
  }
  return spec.build(params(spec.path, segments), query);
}

/** A 405 that knows which methods the path does take, for the `Allow` header. */
export class MethodNotAllowed extends ControlError {
  readonly allow: readonly string[];

  constructor(method: string, path: string, allow: readonly string[]) {
    super('METHOD_NOT_ALLOWED', `${method} is not allowed on ${path}; use ${allow.join(', ')}`);
    this.allow = allow;
  }
}

function fits(pattern: readonly string[], segments: readonly string[]): boolean {
  if (pattern.length !== segments.length) return false;
  return pattern.every((part, i) => {
    const segment = segments[i]!;
    if (part === '{name}') return segment !== '';
    if (part === '{action}') return Object.hasOwn(JOB_ACTIONS, segment);
    return part === segment;
  });
}

function params(pattern: readonly string[], segments: readonly string[]): Params {
  const found: Params = { name: '', action: JOB_ACTIONS.stop };
  pattern.forEach((part, i) => {
    const segment = segments[i]!;
    if (part === '{name}') found.name = decodeSegment(segment);
    if (part === '{action}') found.action = segment as JobAction;
  });
  return found;
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new ControlError(
      'BAD_REQUEST',
      `malformed percent-encoding in the path segment ${JSON.stringify(clip(segment, 100))}`,
    );
  }
}

function failuresPage(query: URLSearchParams): { limit: number; cursor?: string } {
  const limitText = query.get('limit');
  let limit: number = FAILURES_PAGE.default;
  if (limitText !== null) {
    limit = /^\d{1,6}$/.test(limitText) ? Number(limitText) : 0;
    if (limit < 1 || limit > FAILURES_PAGE.max) {
      throw new ControlError(
        'BAD_REQUEST',
        `limit must be a whole number from 1 to ${FAILURES_PAGE.max}, not ${JSON.stringify(clip(limitText, 40))}`,
      );
    }
  }
  const cursor = query.get('cursor');
  if (cursor === null || cursor === '') return { limit };
  if (cursor.length > MAX_CURSOR) {
    throw new ControlError('BAD_REQUEST', `cursor is longer than ${MAX_CURSOR} characters`);
  }
  return { limit, cursor };
}
