/**
 * The composition root: from a validated config to running jobs, and back down in order.
 *
 * Start: Redis (the embedded server when `redis.url = "embedded"`), the metrics endpoint, the
 * control socket, then readiness (systemd's READY=1: config, Redis and the socket are up), then
 * the iRODS client (its connect() is retried with backoff while iRODS is unreachable, so a daemon
 * started before iRODS waits instead of dying, and says so in its status), then the jobs.
 *
 * A stop request (`options.signal`, SIGTERM in main.ts) reaches the start-up too: a start that is
 * waiting (for Redis, for iRODS) is cut short and undone, and startDaemon rejects with
 * DaemonStoppedError.
 *
 * Stop (once, shutdown.ts: every step runs despite failures, each within a deadline): the watchdog
 * and the control socket close, jobs stop scanning and let their running batches finish within
 * the grace period, then the iRODS client, the metrics endpoint, the Redis connection and, last,
 * the embedded Redis are closed. The daemon then reports its exit code through `finished`.
 *
 * An embedded Redis that dies is started again by embedded-redis.ts; one that cannot be is lost,
 * and the daemon stops at once with exit code 1 (its batches cannot record anything any more).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Config, Environment } from './config/index.js';
import { socketSettings } from './config/socket-checks.js';
import { connectRedis, healthProblem, type DaemonRedis } from './daemon-redis.js';
import { DaemonTarget } from './daemon-target.js';
import { EventHub } from './core/event-hub.js';
import { startControlServer } from './control/server.js';
import { backoffDelay } from './core/retry.js';
import { wantsEmbeddedRedis } from './core/endpoint-rules.js';
import { DaemonRun, DaemonStoppedError } from './daemon-run.js';
import { JobSharing } from './job-sharing.js';
import { messageOf } from './errors.js';
import type { HandlerRegistry } from './handlers/registry.js';
import { IrodsClient, IrodsError, irodsErrorLabel } from './irods/index.js';
import type { Logger } from './log.js';
import type { Metrics } from './metrics/index.js';
import { redisProbe, startMetricsServer } from './metrics/index.js';
import { readWatchLimit } from './sources/inotify.js';
import { forgetJobKeys, JobRegistry, type RedisClient } from './state/index.js';
import { queueName } from './queue/queue.js';
import { JobSet } from './sync/job-set.js';
import { jobActions } from './worker/job-actions.js';
import { watchLoopStalls } from './sync/loop-stalls.js';
import { startWatchdog, type Notifier } from './systemd.js';

export interface DaemonOptions {
  readonly role: 'all' | 'worker';
  readonly logger: Logger;
  /** Aborted to stop the daemon: during start-up too. */
  readonly signal: AbortSignal;
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
  /** The jobs' handler modules, loaded with the config; reloads install new rounds. */
  readonly handlers: HandlerRegistry;
  /** Applies the settings that change while running (the log level) after a reload. */
  readonly applyLive: (config: Config) => void;
}

export interface Daemon {
  /**
   * Resolves once the daemon has stopped (on stop(), after a drain, or on a failure it cannot
   * run through) with its exit code: 0, or 1 when it gave up (iRODS refused it for good, the
   * embedded Redis could not be started again).
   */
  readonly finished: Promise<number>;
  /** Resolves once iRODS answered and the jobs were started (from then on a reload applies). */
  readonly jobsStarted: Promise<void>;
  stop(): Promise<void>;
  /** SIGHUP: the same reload as `irods-ingestctl reload`. */
  reload(): Promise<void>;
}

/** The jobs' stop may take the grace period plus this (closing queues, stat threads). */
const JOBS_STOP_MARGIN_MS = 10_000;

export async function startDaemon(config: Config, options: DaemonOptions): Promise<Daemon> {
  const run = new DaemonRun(options);
  try {
    const redis = await connectRedis(config, options, run);
    const serving = await serve(config, options, run, redis);
    run.started();
    // In the background, so that signals and the control socket work while iRODS is awaited.
    const jobsStarted = startJobsWhenIrodsAnswers(options, run, redis.redis, serving);
    return {
      finished: run.finished,
      jobsStarted: jobsStarted.then((started) => {
        if (!started) return new Promise<void>(() => undefined);
      }),
      stop: () => run.stop(),
      async reload() {
        await serving.target.reload();
      },
    };
  } catch (error) {
    await run.shutdown.run();
    throw (
      run.failure ?? (options.signal.aborted ? new DaemonStoppedError({ cause: error }) : error)
    );
  }
}

interface Serving {
  readonly jobs: JobSet;
  readonly target: DaemonTarget;
  readonly client: IrodsClient;
  /** What the control socket reports about the start: ready (READY=1 sent), jobs started. */
  readonly facts: { ready: boolean; jobsRunning: boolean };
}

/** The metrics endpoint, the jobs (not started yet), the control socket and the watchdog. */
async function serve(
  config: Config,
  options: DaemonOptions,
  run: DaemonRun,
  redisParts: DaemonRedis,
): Promise<Serving> {
  const { redis, connector } = redisParts;
  const { logger, metrics, notifier, role } = options;
  const facts = { ready: false, jobsRunning: false };
  metrics.onScrapeRedis(redisProbe(redis));
  metrics.setWatchLimit(await readWatchLimit());
  if (config.daemon.metrics_listen !== '') await serveMetrics(config, metrics, run, logger);
  const client = irodsClient(config, metrics);
  run.shutdown.add('the iRODS client', () => client.close());

  const events = new EventHub();
  const graceMs = options.graceMs ?? 60_000;
  const jobs = new JobSet(
    {
      redis,
      connector,
      keyPrefix: connector.keyPrefix,
      actions: jobActions(client, metrics),
      logger,
      scans: role === 'all',
      metrics,
      events,
      credentialsDirectory: options.env.CREDENTIALS_DIRECTORY,
      handlers: options.handlers,
    },
    config.daemon.workers,
    graceMs,
  );
  // A daemon that gave up (Redis lost) gives its batches no grace: they cannot record anything.
  run.shutdown.add(
    'the jobs',
    () => jobs.stopAll(run.gaveUp ? 0 : graceMs),
    graceMs + JOBS_STOP_MARGIN_MS,
  );
  const startedAt = new Date();
  // Stops before the jobs (steps run in reverse): no job is started or followed during their stop.
  const sharing: JobSharing = new JobSharing({
    redis,
    keyPrefix: connector.keyPrefix,
    config,
    handlers: options.handlers,
    uid: options.uid,
    role,
    jobs,
    logger,
    startedAt,
    version: options.version,
    pid: options.pid,
    configInForce: () => target.configInForce(),
  });
  run.shutdown.add('the shared job definitions and heartbeat', () => sharing.stop());

  const target: DaemonTarget = controlTarget(config, options, run, redisParts, {
    jobs,
    events,
    sharing,
    startedAt,
    facts,
  });
  await openSockets(config, target, run, logger);

  const watchdog = startWatchdog(notifier, {
    check: () => healthProblem(redis),
    onUnhealthy: (reason) => logger.warn(`health check failed, watchdog not pinged: ${reason}`),
  });
  run.shutdown.add('the watchdog', () => Promise.resolve(watchdog.stop()));
  facts.ready = true;
  void notifier.ready(`waiting for iRODS at ${config.irods.url}`);
  return { jobs, target, client, facts };
}

/** What the control socket sees and does (daemon-target.ts). */
function controlTarget(
  config: Config,
  options: DaemonOptions,
  run: DaemonRun,
  { redis, connector, embedded }: DaemonRedis,
  {
    jobs,
    events,
    sharing,
    startedAt,
    facts,
  }: {
    jobs: JobSet;
    events: EventHub;
    sharing: JobSharing;
    startedAt: Date;
    facts: Serving['facts'];
  },
): DaemonTarget {
  const { logger, notifier, role } = options;
  return new DaemonTarget({
    facts: {
      version: options.version,
      pid: options.pid,
      uid: options.uid,
      role,
      startedAt,
      embeddedRedis: embedded,
      redisConnected: () => redis.status === 'ready',
      ready: () => facts.ready,
      jobsRunning: () => facts.jobsRunning,
    },
    jobs,
    events,
    logger,
    configFile: options.configFile,
    env: options.env,
    config,
    handlers: options.handlers,
    applyLive: options.applyLive,
    onReload: (phase) => {
      if (phase === 'start') void notifier.reloading('reloading the config');
      else void notifier.ready(runningStatus(jobs.list().length));
    },
    stopDaemon: () => run.stop(),
    sharing,
    forgetJobKeys: (name) =>
      forgetJobKeys(redis, connector.keyPrefix, { name, queue: queueName(name) }),
    unclaimedJobs: () => new JobRegistry(redis, connector.keyPrefix).unclaimed(),
  });
}

/** The metrics endpoint at `daemon.metrics_listen`. */
async function serveMetrics(
  config: Config,
  metrics: Metrics,
  run: DaemonRun,
  logger: Logger,
): Promise<void> {
  const server = await startMetricsServer({
    listen: config.daemon.metrics_listen,
    metrics,
    logger,
  });
  run.shutdown.add('the metrics server', () => server.close());
  logger.info(`metrics at ${server.url}`);
}

/** The daemon's iRODS client, which reports every request to the metrics. */
function irodsClient(config: Config, metrics: Metrics): IrodsClient {
  return new IrodsClient({
    url: config.irods.url,
    username: config.irods.username,
    password: config.irods.password.reveal(),
    connections: Math.max(8, config.daemon.workers),
    onRequest: (op, seconds, error) =>
      metrics.irodsRequest(op, seconds, error === undefined ? undefined : irodsErrorLabel(error)),
  });
}

/** The control socket and, when `daemon.status_socket` is set, the read-only one. */
async function openSockets(
  config: Config,
  target: DaemonTarget,
  run: DaemonRun,
  logger: Logger,
): Promise<void> {
  const sockets = await socketSettings(config.daemon);
  const { path: socketPath, ...access } = sockets.control;
  const control = await startControlServer({ socketPath, ...access, target, logger });
  run.shutdown.add('the control socket', () => control.close());
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
    run.shutdown.add('the read-only socket', () => status.close());
    logger.info(`read-only socket at ${status.socketPath}`);
  }
}

/**
 * Waits for iRODS (with backoff), then starts the jobs of the config in force; false when the
 * daemon stopped first.
 */
async function startJobsWhenIrodsAnswers(
  options: DaemonOptions,
  run: DaemonRun,
  redis: RedisClient,
  { jobs, target, client, facts }: Serving,
): Promise<boolean> {
  const { logger, notifier } = options;
  try {
    await connectWithRetry(client, logger, notifier, run.signal);
  } catch (error) {
    if (!run.signal.aborted) {
      run.fail(new Error(`iRODS refused the daemon: ${messageOf(error)}`));
    }
    return false;
  }
  if (run.signal.aborted) return false;
  try {
    await target.startJobs();
  } catch (error) {
    // A daemon that runs none of its jobs must end and say why (systemd restarts it), not stay
    // up looking healthy: this rejection had nobody else waiting for it.
    if (!run.signal.aborted) run.fail(new Error(`the jobs could not start: ${messageOf(error)}`));
    return false;
  }
  const config = target.configInForce();
  facts.jobsRunning = true;
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
    rescanWatching(
      `the event loop stalled for ${(ms / 1000).toFixed(1)} s: the kernel may have dropped watcher events`,
    ),
  );
  run.shutdown.add('the stall watch', () => Promise.resolve(stopStallWatch()));
  logger.info(
    `irods-ingestd running (${options.role}): ${jobs.list().length} job(s), ${config.daemon.workers} worker(s) in all, iRODS ${config.irods.url}, Redis ${wantsEmbeddedRedis(config.redis) ? 'embedded' : 'external'}`,
  );
  void notifier.status(runningStatus(jobs.list().length));
  return true;
}

function runningStatus(jobs: number): string {
  return `running: ${jobs} job(s)`;
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
