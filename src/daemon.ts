/**
 * The composition root: from a validated config to running jobs, and back down in order.
 *
 * Start: Redis (the embedded server when `redis.url = "embedded"`), the metrics endpoint, the
 * control socket, then readiness (systemd's READY=1: config, Redis and the socket are up), then
 * the iRODS client (its connect() is retried with backoff while iRODS is unreachable, so a daemon
 * started before iRODS waits instead of dying, and says so in its status), then the jobs.
 *
 * Stop (memoised, every step runs despite failures of earlier ones): the control socket closes,
 * jobs stop scanning and finish their running batches within the grace period, then the iRODS
 * client, the Redis connection and the embedded Redis are closed.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import type { Config, Environment } from './config/index.js';
import { socketSettings } from './config/socket-checks.js';
import { DaemonTarget } from './control/daemon-target.js';
import { EventHub } from './control/events.js';
import { startControlServer } from './control/server.js';
import { backoffDelay } from './core/retry.js';
import { startEmbeddedRedis, type EmbeddedRedis } from './embedded-redis.js';
import { IrodsClient, IrodsError } from './irods/index.js';
import type { Logger } from './log.js';
import type { Metrics } from './metrics/index.js';
import { irodsErrorLabel, redisProbe, startMetricsServer } from './metrics/index.js';
import { readWatchLimit } from './sources/inotify.js';
import { ensureSchema, redisOptions } from './state/index.js';
import { JobSet } from './sync/job-set.js';
import { watchLoopStalls } from './sync/loop-stalls.js';
import { startWatchdog, type Notifier } from './systemd.js';

export interface DaemonOptions {
  readonly role: 'all' | 'worker';
  readonly logger: Logger;
  /** How long running batches may take to finish on stop. @defaultValue 60 s */
  readonly graceMs?: number;
  /** One per process (its process metrics cannot be removed), kept across reloads. */
  readonly metrics: Metrics;
  readonly notifier: Notifier;
  /** Read again on reload. */
  readonly configFile: string;
  readonly env: Environment;
  readonly version: string;
  readonly pid: number;
  /** The daemon's user id (the trusted owner of handlers besides root). */
  readonly uid: number;
  /** Applies the settings that change while running (the log level) after a reload. */
  readonly applyLive: (config: Config) => void;
}

export interface Daemon {
  /**
   * Resolves once the daemon has stopped (on stop(), or after a drain) with its exit code: 0, or
   * 1 when it gave up (iRODS refused it for good).
   */
  readonly finished: Promise<number>;
  stop(): Promise<void>;
  /** SIGHUP: the same reload as `irods-ingestctl reload`. */
  reload(): Promise<void>;
}

/** A Redis that has not answered PING for this long fails the watchdog's health check. */
const HEALTH_TIMEOUT_MS = 5_000;

export async function startDaemon(config: Config, options: DaemonOptions): Promise<Daemon> {
  const { logger, metrics, notifier } = options;
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
  let resolveFinished: (code: number) => void = () => undefined;
  const finished = new Promise<number>((resolve) => (resolveFinished = resolve));
  let exitCode = 0;
  const stopSignal = new AbortController();
  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopSignal.abort();
    stopping ??= (async () => {
      await notifier.stopping('stopping: in-flight work finishes first');
      await cleanUp();
      resolveFinished(exitCode);
    })();
    return stopping;
  };

  try {
    void notifier.status('starting: Redis');
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
    await ensureSchema(redis, config.redis.key_prefix);

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

    const events = new EventHub();
    const graceMs = options.graceMs ?? 60_000;
    const jobs = new JobSet(
      {
        redis,
        connection,
        keyPrefix: config.redis.key_prefix,
        client,
        logger,
        scans: options.role === 'all',
        metrics,
        events,
      },
      config.daemon.workers,
      graceMs,
    );
    cleanups.push({ what: 'the jobs', run: () => jobs.stopAll() });

    let ready = false;
    let jobsRunning = false;
    const target = new DaemonTarget({
      facts: {
        version: options.version,
        pid: options.pid,
        uid: options.uid,
        role: options.role,
        startedAt: new Date(),
        embeddedRedis: embedded !== undefined,
        redisConnected: () => redis.status === 'ready',
        ready: () => ready,
        jobsRunning: () => jobsRunning,
      },
      jobs,
      events,
      logger,
      configFile: options.configFile,
      env: options.env,
      config,
      applyLive: options.applyLive,
      onReload: (phase) => {
        if (phase === 'start') void notifier.reloading('reloading the config');
        else void notifier.ready(runningStatus(jobs.list().length));
      },
      stopDaemon: stop,
    });
    const sockets = await socketSettings(config.daemon);
    const { path: socketPath, ...access } = sockets.control;
    const control = await startControlServer({ socketPath, ...access, target, logger });
    cleanups.push({ what: 'the control socket', run: () => control.close() });
    logger.info(`control socket at ${control.socketPath}`);
    if (sockets.status !== undefined) {
      const { path, ...statusAccess } = sockets.status;
      const status = await startControlServer({
        socketPath: path,
        ...statusAccess,
        readOnly: true,
        target,
        logger,
      });
      cleanups.push({ what: 'the read-only socket', run: () => status.close() });
      logger.info(`read-only socket at ${status.socketPath}`);
    }

    const watchdog = startWatchdog(notifier, {
      check: () => healthProblem(redis),
      onUnhealthy: (reason) => logger.warn(`health check failed, watchdog not pinged: ${reason}`),
    });
    cleanups.push({ what: 'the watchdog', run: () => Promise.resolve(watchdog.stop()) });
    ready = true;
    void notifier.ready(`waiting for iRODS at ${config.irods.url}`);

    const startJobs = (current: Config) => {
      jobs.start(current.job);
      jobsRunning = true;
      // Events may have been lost while Redis was away or the loop stood still: watching jobs
      // rescan (the others rescan on their timer anyway).
      const rescanWatching = (why: string) => {
        for (const job of jobs.list()) if (job.watching) job.rescan(why);
      };
      let connectedBefore = redis.status === 'ready';
      redis.on('ready', () => {
        if (connectedBefore) rescanWatching('Redis reconnected');
        connectedBefore = true;
      });
      const stopStallWatch = watchLoopStalls((ms) =>
        rescanWatching(`the event loop stalled for ${Math.round(ms / 1000)} s`),
      );
      cleanups.push({ what: 'the stall watch', run: () => Promise.resolve(stopStallWatch()) });
      logger.info(
        `irods-ingestd running (${options.role}): ${current.job.length} job(s), ${current.daemon.workers} worker(s) in all, iRODS ${current.irods.url}, Redis ${embedded ? 'embedded' : 'external'}`,
      );
      void notifier.status(runningStatus(current.job.length));
    };
    // In the background, so that signals and the control socket work while iRODS is awaited.
    void (async () => {
      try {
        await connectWithRetry(client, logger, notifier, stopSignal.signal);
      } catch (error) {
        if (stopSignal.signal.aborted) return;
        logger.error(`iRODS refused the daemon: ${(error as Error).message}; stopping`);
        exitCode = 1;
        void stop();
        return;
      }
      if (stopSignal.signal.aborted) return;
      startJobs(target.configInForce());
    })();

    return {
      finished,
      stop,
      async reload() {
        await target.reload();
      },
    };
  } catch (error) {
    await cleanUp();
    throw error;
  }
}

function runningStatus(jobs: number): string {
  return `running: ${jobs} job(s)`;
}

/** Why the daemon is not healthy, or undefined when it is (what the watchdog pings on). */
async function healthProblem(redis: Redis): Promise<string | undefined> {
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

async function connectWithRetry(
  client: IrodsClient,
  logger: Logger,
  notifier: Notifier,
  stopped: AbortSignal,
): Promise<void> {
  for (let attempt = 1; !stopped.aborted; attempt++) {
    try {
      await client.connect();
      return;
    } catch (error) {
      if (!(error instanceof IrodsError) || !error.retryable) throw error;
      const delay = backoffDelay(attempt, { baseMs: 1_000, maxMs: 60_000 }, Math.random());
      const message = `iRODS is not reachable (${error.message}); trying again in ${Math.round(delay / 1000)} s`;
      logger.warn(message);
      void notifier.status(message);
      await sleep(delay, undefined, { signal: stopped }).catch(() => undefined);
    }
  }
}
