/**
 * The daemon's Redis: the embedded server when `redis.url = "embedded"`, the connection and its
 * schema check at start, its close on stop, and the health check the systemd watchdog pings on.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Config } from './config/index.js';
import { SETTLED, settleWithin } from './core/deadline.js';
import { wantsEmbeddedRedis } from './core/endpoint-rules.js';
import type { DaemonRun } from './daemon-run.js';
import { startEmbeddedRedis, type EmbeddedRedis } from './embedded-redis.js';
import type { Logger } from './log.js';
import { STEP_TIMEOUT_MS } from './shutdown.js';
import {
  ensureSchema,
  refuseOtherLayout,
  RedisConnector,
  type RedisClient,
} from './state/index.js';
import type { Notifier } from './systemd.js';

/** A Redis that has not answered PING for this long fails the watchdog's health check. */
const HEALTH_TIMEOUT_MS = 5_000;
/** The embedded Redis gets this long to end on SIGTERM before it is killed (plus a margin). */
const EMBEDDED_STOP_MS = 15_000;

export interface DaemonRedis {
  readonly redis: RedisClient;
  readonly connector: RedisConnector;
  /** The Redis is the daemon's own (`redis.url = "embedded"`). */
  readonly embedded: boolean;
}

/** Starts the embedded Redis (if configured) and connects; the schema is checked or set up. */
export async function connectRedis(
  config: Config,
  options: { readonly logger: Logger; readonly notifier: Notifier },
  run: DaemonRun,
): Promise<DaemonRedis> {
  const { logger, notifier } = options;
  void notifier.status('starting: Redis');
  let url = config.redis.url;
  let embedded: EmbeddedRedis | undefined;
  if (wantsEmbeddedRedis(config.redis)) {
    embedded = await startEmbeddedRedis({
      stateDir: config.daemon.state_dir,
      signal: run.signal,
      onLog: (line) => logger.debug(`redis-server: ${line}`),
      onRestart: (message) => logger.warn(message),
      onLost: (error) => run.fail(error),
    });
    run.shutdown.add('the embedded redis-server', () => embedded!.stop(), EMBEDDED_STOP_MS);
    url = `unix://${embedded.socketPath}`;
  }
  const connector = new RedisConnector({
    ...config.redis,
    url,
    password: config.redis.password?.reveal(),
  });
  logger.info(`connecting to Redis at ${connector.description}`);
  const redis = connector.client();
  redis.on('error', (error: Error) => logger.warn(`redis: ${error.message}`));
  run.shutdown.add('the Redis connection', () => closeRedis(redis));
  const { keyPrefix, otherLayoutPrefix } = connector;
  await run.unlessStopped(
    redis.connect().then(async () => {
      await refuseOtherLayout(redis, keyPrefix, otherLayoutPrefix);
      await ensureSchema(redis, keyPrefix);
    }),
  );
  return { redis, connector, embedded: embedded !== undefined };
}

/** QUIT, or a plain disconnect when that does not go through (Redis gone: it would wait). */
async function closeRedis(redis: RedisClient): Promise<void> {
  const quit = redis.quit().catch(() => undefined);
  if ((await settleWithin(quit, STEP_TIMEOUT_MS / 2)) === SETTLED.late) redis.disconnect();
}

/** Why the daemon is not healthy, or undefined when it is (what the watchdog pings on). */
export async function healthProblem(redis: RedisClient): Promise<string | undefined> {
  if (redis.status !== 'ready') return `Redis is ${redis.status}`;
  const cancel = new AbortController();
  const timeout = sleep(HEALTH_TIMEOUT_MS, 'timeout' as const, { signal: cancel.signal }).catch(
    () => 'cancelled' as const,
  );
  const answer = await Promise.race([redis.ping().catch((error: Error) => error), timeout]);
  cancel.abort();
  if (answer === 'timeout') return `Redis did not answer PING within ${HEALTH_TIMEOUT_MS} ms`;
  if (answer instanceof Error) return `Redis PING failed: ${answer.message}`;
  return undefined;
}
