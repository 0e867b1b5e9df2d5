/**
 * The composition root: from a validated config to running jobs, and back down in order.
 *
 * Start: Redis (the embedded server when `redis.url = "embedded"`), the iRODS client (its
 * connect() is retried with backoff while iRODS is unreachable, so a daemon started before iRODS
 * comes up waits instead of dying), then one JobRunner per `[[job]]`.
 *
 * Stop (memoised, every step runs despite failures of earlier ones): jobs stop scanning and
 * finish their running batches within the grace period, then the iRODS client, the Redis
 * connection and the embedded Redis are closed.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import type { Config } from './config/index.js';
import { backoffDelay } from './core/retry.js';
import { startEmbeddedRedis, type EmbeddedRedis } from './embedded-redis.js';
import { IrodsClient, IrodsError } from './irods/index.js';
import type { Logger } from './log.js';
import type { Metrics} from './metrics/index.js';
import { irodsErrorLabel, redisProbe, startMetricsServer } from './metrics/index.js';
import { readWatchLimit } from './sources/inotify.js';
import { redisOptions } from './state/index.js';
import { JobRunner } from './sync/job-runner.js';
import { watchLoopStalls } from './sync/loop-stalls.js';

export interface DaemonOptions {
  readonly role: 'all' | 'worker';
  readonly logger: Logger;
  /** How long running batches may take to finish on stop. @defaultValue 60 s */
  readonly graceMs?: number;
  /** One per process (its process metrics cannot be removed), kept across reloads. */
  readonly metrics: Metrics;
}

export interface Daemon {
  readonly jobs: readonly JobRunner[];
  /** Resolves once the daemon has stopped. */
  readonly finished: Promise<void>;
  stop(): Promise<void>;
}

export async function startDaemon(config: Config, options: DaemonOptions): Promise<Daemon> {
  const { logger } = options;
  const cleanups: { what: string; run: () => Promise<unknown> }[] = [];
  const cleanUp = async () => {
    for (const { what, run } of cleanups.reverse()) {
      try {
        await run();
      } catch (error) {
        logger.warn(`stopping: ${what} failed: ${(error as Error).message}`);
      }
    }
  };

  try {
    let embedded: EmbeddedRedis | undefined;
    let url = config.redis.url;
    if (url === 'embedded') {
      embedded = await startEmbeddedRedis({
        stateDir: config.daemon.state_dir,
        onLog: (line) => logger.debug(`redis-server: ${line}`),
      });
      cleanups.push({ what: 'the embedded redis-server', run: () => embedded!.stop() });
      url = `unix://${embedded.socketPath}`;
    }
    const connection = redisOptions(url, config.redis.password?.reveal());
    const redis = new Redis({ ...connection, lazyConnect: true });
    redis.on('error', (error) => logger.warn(`redis: ${error.message}`));
    await redis.connect();
    cleanups.push({ what: 'the Redis connection', run: () => redis.quit() });

    const metrics = options.metrics;
    metrics.onScrapeRedis(redisProbe(redis));
    metrics.setWatchLimit(await readWatchLimit());
    if (config.daemon.metrics_listen !== '') {
      const server = await startMetricsServer({
        listen: config.daemon.metrics_listen,
        metrics,
        logger,
      });
      cleanups.push({ what: 'the metrics server', run: () => server.close() });
      logger.info(`metrics at ${server.url}`);
    }

    const client = new IrodsClient({
      url: config.irods.url,
      username: config.irods.username,
      password: config.irods.password.reveal(),
      connections: Math.max(8, config.daemon.workers),
      onRequest: (op, seconds, error) =>
        metrics.irodsRequest(op, seconds, error === undefined ? undefined : irodsErrorLabel(error)),
    });
    cleanups.push({ what: 'the iRODS client', run: () => client.close() });
    await connectWithRetry(client, logger);

    const scans = options.role === 'all';
    const concurrency = Math.max(
      config.daemon.workers === 0 ? 0 : 1,
      Math.floor(config.daemon.workers / Math.max(1, config.job.length)),
    );
    const jobs = config.job.map(
      (job) =>
        new JobRunner({
          job,
          redis,
          connection,
          keyPrefix: config.redis.key_prefix,
          client,
          logger,
          concurrency,
          scans,
          metrics,
        }),
    );
    const graceMs = options.graceMs ?? 60_000;
    for (const job of jobs) {
      cleanups.push({ what: `job ${job.name}`, run: () => job.stop(graceMs) });
      job.start();
    }
    // Events may have been lost while Redis was away or the loop stood still: watching jobs
    // rescan (the others rescan on their timer anyway).
    const rescanWatching = (why: string) => {
      for (const job of jobs) if (job.watching) job.rescan(why);
    };
    let connectedBefore = false;
    redis.on('ready', () => {
      if (connectedBefore) rescanWatching('Redis reconnected');
      connectedBefore = true;
    });
    connectedBefore = redis.status === 'ready';
    const stopStallWatch = watchLoopStalls((ms) =>
      rescanWatching(`the event loop stalled for ${Math.round(ms / 1000)} s`),
    );
    cleanups.push({ what: 'the stall watch', run: () => Promise.resolve(stopStallWatch()) });
    logger.info(
      `irods-ingestd running (${options.role}): ${jobs.length} job(s), ${concurrency} worker(s) each, iRODS ${config.irods.url}, Redis ${config.redis.url === 'embedded' ? 'embedded' : 'external'}`,
    );

    let resolveFinished: () => void = () => undefined;
    const finished = new Promise<void>((resolve) => (resolveFinished = resolve));
    let stopping: Promise<void> | undefined;
    return {
      jobs,
      finished,
      stop() {
        stopping ??= cleanUp().then(resolveFinished);
        return stopping;
      },
    };
  } catch (error) {
    await cleanUp();
    throw error;
  }
}

async function connectWithRetry(client: IrodsClient, logger: Logger): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await client.connect();
      return;
    } catch (error) {
      if (!(error instanceof IrodsError) || !error.retryable) throw error;
      const delay = backoffDelay(attempt, { baseMs: 1_000, maxMs: 60_000 }, Math.random());
      logger.warn(
        `iRODS is not reachable (${error.message}); trying again in ${Math.round(delay / 1000)} s`,
      );
      await sleep(delay);
    }
  }
}
