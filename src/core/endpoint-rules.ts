/**
 * Checks for the network endpoints in configuration. Messages never repeat a URL back: one that
 * is wrong may well hold a password.
 */

/** Why `url` cannot reach the iRODS HTTP API, or undefined when it can. */
export function irodsUrlProblem(url: string): string | undefined {
  const parsed = URL.parse(url);
  const example = 'e.g. "http://irods.example.org:9000/irods-http-api/0.7.0"';
  if (parsed === null) return `is not a URL (${example})`;
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    return `must be an http:// or https:// URL (${example})`;
  }
  if (parsed.username !== '' || parsed.password !== '') {
    return 'must not carry credentials; set irods.username and irods.password_file';
  }
  if (parsed.search !== '' || parsed.hash !== '') return 'must not have a query or fragment';
  if (parsed.pathname === '/' || parsed.pathname === '') {
    return `has no API path; include the version prefix (${example})`;
  }
  return undefined;
}

/** `url` without trailing slashes on its path, so clients can append routes to it. */
export function trimUrl(url: string): string {
  return url.replace(/\/+$/, '');
}

export const EMBEDDED_REDIS = 'embedded';

/**
 * Whether `[redis]` asks for the embedded server: `url = "embedded"` (also its default) when
 * neither sentinels nor a Cluster name the servers instead.
 */
export function wantsEmbeddedRedis(redis: {
  readonly url: string;
  readonly sentinels?: unknown;
  readonly cluster_nodes?: unknown;
}): boolean {
  return (
    redis.url === EMBEDDED_REDIS &&
    redis.sentinels === undefined &&
    redis.cluster_nodes === undefined
  );
}

/** Why `url` is not "embedded" or a redis://, rediss:// or unix:// URL without a password. */
export function redisUrlProblem(url: string): string | undefined {
  if (url === EMBEDDED_REDIS) return undefined;
  const parsed = URL.parse(url);
  const accepted = 'use "embedded", redis://host:port/db, rediss://host:port/db or unix:///path';
  if (parsed === null) return `is not a URL; ${accepted}`;
  if (parsed.password !== '') {
    return 'contains a password; secrets come only from files: put it in a file and set redis.password_file';
  }
  if (parsed.protocol === 'redis:' || parsed.protocol === 'rediss:') {
    if (parsed.hostname === '') return `has no host; ${accepted}`;
    if (!/^\/?\d*$/.test(parsed.pathname)) return 'has a path that is not a database number';
    return undefined;
  }
  if (parsed.protocol === 'unix:') {
    if (parsed.host !== '' || parsed.pathname.length < 2)
      return `must name an absolute socket path; ${accepted}`;
    return undefined;
  }
  return `has an unsupported scheme; ${accepted}`;
}

/** A Redis server or sentinel address: `host:port`, an IPv6 host in brackets. */
export interface RedisNode {
  readonly host: string;
  readonly port: number;
}

/** `text` as host and port, or undefined when it is not `host:port` with a port 1..65535. */
export function parseRedisNode(text: string): RedisNode | undefined {
  const match = /^(?:\[([0-9A-Fa-f:.]+)\]|([^:[\]\s/@]+)):(\d{1,5})$/.exec(text);
  const port = match === null ? NaN : Number(match[3]);
  if (match === null || port < 1 || port > 65535) return undefined;
  return { host: match[1] ?? match[2]!, port };
}

/** Why `text` is not a `host:port` of a Redis node or sentinel. */
export function redisNodeProblem(text: string): string | undefined {
  if (parseRedisNode(text) !== undefined) return undefined;
  return 'is not host:port (e.g. "redis-1.example.org:6379", "[2001:db8::1]:26379")';
}

/** Why `listen` is neither "" nor host:port (IPv6 hosts in brackets). */
export function listenAddressProblem(listen: string): string | undefined {
  if (listen === '') return undefined;
  const match = /^(\[[0-9A-Fa-f:.]+\]|[^:[\]\s]+):(\d{1,5})$/.exec(listen);
  const port = match === null ? NaN : Number(match[2]);
  if (match === null || port < 1 || port > 65535) {
    return 'is not host:port (e.g. "127.0.0.1:9464", "[::1]:9464"), or "" for no metrics';
  }
  return undefined;
}
