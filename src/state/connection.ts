/**
 * Redis connection options from the daemon's config: the embedded server's socket, a unix://
 * URL, or redis:// and rediss:// (TLS) with an optional database number. The password comes
 * only from its file (config), never from the URL, which the config loader refuses to carry one.
 */
/** The options both ioredis and BullMQ take, as far as the daemon sets them. */
export interface RedisConnectionOptions {
  path?: string;
  host?: string;
  port?: number;
  db?: number;
  username?: string;
  password?: string;
  tls?: Record<string, never>;
  maxRetriesPerRequest: null;
}

export function redisOptions(url: string, password: string | undefined): RedisConnectionOptions {
  const parsed = new URL(url);
  const common: RedisConnectionOptions = {
    ...(password === undefined ? {} : { password }),
    ...(parsed.username === '' ? {} : { username: decodeURIComponent(parsed.username) }),
    // BullMQ's blocking connections need commands to wait for a reconnect rather than fail.
    maxRetriesPerRequest: null,
  };
  if (parsed.protocol === 'unix:') return { ...common, path: decodeURIComponent(parsed.pathname) };
  const db = parsed.pathname.replace(/^\//, '');
  return {
    ...common,
    host: parsed.hostname,
    port: parsed.port === '' ? 6379 : Number(parsed.port),
    ...(db === '' ? {} : { db: Number(db) }),
    ...(parsed.protocol === 'rediss:' ? { tls: {} } : {}),
  };
}
