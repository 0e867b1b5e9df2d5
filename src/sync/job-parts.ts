/**
 * What a job runner is built of: its queue, its Redis stores, its source, its delete safety, its
 * workers (from src/worker/, through JobActions), its watcher and the context its passes run in.
 * Built once per runner; the runner hands in what only it knows (its flags, its rescan).
 */
import type { JobConfig } from '../config/index.js';
import type { EventHub } from '../core/event-hub.js';
import { excludeGlobs } from '../core/job-rules.js';
import type { HandlerLookup } from '../handlers/registry.js';
import { settleWithin } from '../core/deadline.js';
import type { Logger } from '../log.js';
import { CLOSE_MS, closeQueue } from '../queue/closing.js';
import { JobQueue } from '../queue/queue.js';
import { openJobSource, type JobSource } from '../sources/index.js';
import type { WatcherFactory } from '../sources/watcher.js';
import {
  openJobStores,
  queuePrefix,
  type JobStores,
  type RedisClient,
  type RedisConnector,
  type TargetClaims,
} from '../state/index.js';
import type { JobActions, JobWorkers } from './job-actions.js';
import { JobSafety } from './job-safety.js';
import type { JobMetrics } from './job-status.js';
import { JobWatch } from './job-watch.js';
import type { PassContext } from './pass.js';
import { passOperations } from './pass-hooks.js';

export interface JobRunnerDeps {
  readonly job: JobConfig;
  readonly redis: RedisClient;
  /** Builds the connections of the job's queue and workers. */
  readonly connector: RedisConnector;
  /** The prefix of every key (RedisConnector.keyPrefix). */
  readonly keyPrefix: string;
  /** The job's workers and what it has done on iRODS (src/worker/job-actions.ts). */
  readonly actions: JobActions;
  readonly logger: Logger;
  /** Concurrent batches of this job's embedded workers; 0 = none. */
  readonly concurrency: number;
  /** Run passes (role "all"), or only work the queue (role "worker"). */
  readonly scans: boolean;
  readonly metrics: JobMetrics;
  readonly events: EventHub;
  /** The watcher implementation; chokidar unless a test brings another. */
  readonly watcherFactory?: WatcherFactory;
  /** The handler modules in force, where the job finds its own (`handler` key). */
  readonly handlers?: HandlerLookup;
  /** Where the job claims its target among the daemons on the Redis (scanning daemons). */
  readonly claims?: { readonly store: TargetClaims; readonly owner: string };
  /** systemd's $CREDENTIALS_DIRECTORY, where an S3 job's default credentials file lies. */
  readonly credentialsDirectory?: string | undefined;
}

/** What the runner tells the parts it is built of. */
export interface RunnerSide {
  /** No more passes or watching (stop, drain). */
  readonly stopping: () => boolean;
  /** Paused by `pause`. */
  readonly paused: () => boolean;
  /** The current (or last) pass's number. */
  readonly pass: () => number;
  readonly rescan: (why: string) => void;
}

export interface JobParts {
  readonly queue: JobQueue;
  readonly stores: JobStores;
  readonly source: JobSource;
  readonly safety: JobSafety;
  readonly workers: JobWorkers;
  readonly watch: JobWatch | undefined;
  readonly passCtx: PassContext;
}

export function openJobParts(deps: JobRunnerDeps, runner: RunnerSide): JobParts {
  const { job, redis, keyPrefix, actions, logger } = deps;
  const queue = new JobQueue(job.name, deps.connector, queuePrefix(keyPrefix), (error) =>
    logger.warn(`job ${job.name}: queue connection: ${error.message}`),
  );
  const stores = openJobStores(redis, keyPrefix, job.name);
  const { states, failures, locks } = stores;
  const source = openJobSource(job, {
    credentialsDirectory: deps.credentialsDirectory,
    log: logger,
  });
  const safety = new JobSafety({
    look: (marker) => source.look(marker),
    job,
    redis,
    keyPrefix,
    states,
    failures,
    queue,
    logger,
    stopped: runner.stopping,
    preflight: () => actions.preflight(job),
    scans: deps.scans,
    ...(deps.claims && deps.scans ? { claims: deps.claims } : {}),
  });
  const workers = actions.workers({
    job,
    connector: deps.connector,
    keyPrefix,
    concurrency: deps.concurrency,
    queue,
    stores,
    logger,
    stats: source.stats,
    ...(source.files === undefined ? {} : { files: source.files }),
    deletesRefused: () => safety.guard.deletesRefused(),
    rescan: runner.rescan,
    ...(deps.handlers === undefined ? {} : { handlers: deps.handlers }),
  });
  const watch =
    deps.scans && job.watch !== false && job.rescan_interval !== 0
      ? new JobWatch({
          job,
          rename: (request) => actions.rename(request),
          states,
          failures,
          locks,
          queue,
          logger,
          pass: runner.pass,
          rescan: runner.rescan,
          // While the source is refused, what the watcher sees of it is not acted on either.
          paused: () => runner.paused() || safety.refusal !== undefined,
          deletes: safety.gate,
          ...(deps.watcherFactory ? { factory: deps.watcherFactory } : {}),
        })
      : undefined;
  const passCtx = passContext(job, source, stores, {
    queue,
    deletes: safety.gate,
    stopped: runner.stopping,
    operationOf: passOperations(job, deps.handlers),
    watcherDecides: (path) => watch?.decides(path) ?? false,
    recorded: (outcome, count) => deps.metrics.fileOutcome(job.name, outcome, count),
  });
  return { queue, stores, source, safety, workers, watch, passCtx };
}

/** What the job's passes run with (pass.ts). */
function passContext(
  job: JobConfig,
  source: JobSource,
  { states, failures, records }: JobStores,
  rest: Pick<
    PassContext,
    'queue' | 'deletes' | 'stopped' | 'operationOf' | 'watcherDecides' | 'recorded'
  >,
): PassContext {
  return {
    job: {
      name: job.name,
      source: job.source,
      operation: job.operation,
      ctimeChanges: job.ctime_changes,
      filesPerTask: job.files_per_task,
      list: (options) => source.scan(options),
      deletesNeedWholeListing: source.deletesNeedWholeListing,
      stats: source.stats,
      scan: {
        exclude: excludeGlobs(job.exclude, job.source_marker),
        excludeTypes: job.exclude_types,
        followSymlinks: job.follow_symlinks,
      },
    },
    states,
    failures,
    records,
    ...rest,
  };
}

/**
 * Closes what the job was built of once its passes and watcher stopped: its workers get what is
 * left of the grace period (`graceMs`) for their running batches, then the queue, the source and
 * the safety's claims are closed, each within its deadline.
 */
export async function closeJobParts(
  parts: JobParts,
  graceMs: number,
  logger: Logger,
): Promise<void> {
  const { name } = parts.passCtx.job;
  if (!(await parts.workers.close(graceMs))) {
    logger.warn(
      `job ${name}: batches still running after the grace period are left to run again later (nothing half-done is recorded)`,
      { job: name },
    );
  }
  await closeQueue(parts.queue);
  await settleWithin(parts.source.close(), CLOSE_MS).catch(() => undefined);
  await settleWithin(parts.safety.close(), CLOSE_MS).catch(() => undefined);
}
