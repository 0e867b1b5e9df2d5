/**
 * The daemon as the control socket sees it (ControlTarget): job status and actions on the job
 * set, ad-hoc jobs validated like config jobs, reload (validate everything first, then apply),
 * drain, the effective config with secrets redacted, and the live events.
 */
import {
  ConfigError,
  loadConfig,
  problemsText,
  type Config,
  type Environment,
} from './config/index.js';
import { diffConfig } from './config/diff.js';
import { adhocOffProblem, boundAdhocJob } from './config/adhoc-bounds.js';
import { validateJobSpec } from './config/job-spec.js';
import type { EventHub } from './control/events.js';
import { ControlError } from './control/http-errors.js';
import type { ControlTarget } from './control/target.js';
import type {
  AllowDeletesResult,
  DaemonEvent,
  DaemonStatus,
  FailureList,
  JobStatus,
  ReloadResult,
} from './control/wire.js';
import { SETTLED, settleWithin } from './core/deadline.js';
import { messageOf } from './errors.js';
import type { HandlerRegistry } from './handlers/registry.js';
import type { Logger } from './log.js';
import type { JobRunner } from './sync/job-runner.js';
import type { JobSet } from './sync/job-set.js';

export interface DaemonFacts {
  readonly version: string;
  readonly pid: number;
  /** The daemon's user: with root, the only one trusted to own the handlers it runs. */
  readonly uid: number;
  readonly role: 'all' | 'worker';
  readonly startedAt: Date;
  readonly embeddedRedis: boolean;
  readonly redisConnected: () => boolean;
  /** Config, Redis and the control socket are up. */
  readonly ready: () => boolean;
  /** iRODS answered and the jobs were started: the job set may change. */
  readonly jobsRunning: () => boolean;
}

/**
 * Longest a `start` may look at paths for: on a hung mount it would otherwise hold every later
 * start and reload, which wait for it.
 */
const BOUNDS_CHECK_MS = 30_000;

async function withinDeadline<T>(check: Promise<T>): Promise<T> {
  if ((await settleWithin(check, BOUNDS_CHECK_MS)) === SETTLED.late) {
    const message = `checking the job's paths took longer than ${BOUNDS_CHECK_MS / 1000} s (is a filesystem hung?)`;
    throw new ControlError('UNAVAILABLE', message);
  }
  return check;
}

export interface DaemonTargetDeps {
  readonly facts: DaemonFacts;
  readonly jobs: JobSet;
  readonly events: EventHub;
  readonly logger: Logger;
  /** The config file the daemon was started with, read again on reload. */
  readonly configFile: string;
  readonly env: Environment;
  /** The config now in force; reload replaces it. */
  config: Config;
  /** The jobs' handler modules: reload imports them afresh, ad-hoc jobs add theirs. */
  readonly handlers: HandlerRegistry;
  /** Applies what can change while running (the log level). */
  readonly applyLive: (config: Config) => void;
  /** Told around a reload (systemd's RELOADING=1 / READY=1). */
  readonly onReload?: (phase: 'start' | 'end') => void;
  /** Stops the daemon once draining is done. */
  readonly stopDaemon: () => Promise<void>;
  /** Deletes every Redis key of a job (state/forget-job.ts). */
  readonly forgetJobKeys: (name: string) => Promise<{ keys: number } | { claimedBy: string }>;
  /** Jobs with state in Redis that no daemon runs now (state/job-registry.ts). */
  readonly unclaimedJobs: () => Promise<string[]>;
}

export class DaemonTarget implements ControlTarget {
  readonly #deps: DaemonTargetDeps;
  #draining = false;
  /** Reloads and ad-hoc jobs change the job set one at a time. */
  #changes: Promise<unknown> = Promise.resolve();

  constructor(deps: DaemonTargetDeps) {
    this.#deps = deps;
  }

  /** The config now in force: the files' as last loaded, with ad-hoc jobs added. */
  configInForce(): Config {
    return this.#deps.config;
  }

  async status(): Promise<DaemonStatus> {
    const { facts, config } = this.#deps;
    return {
      version: facts.version,
      pid: facts.pid,
      role: facts.role,
      startedAt: facts.startedAt.toISOString(),
      ready: facts.ready(),
      draining: this.#draining,
      redis: { connected: facts.redisConnected(), embedded: facts.embeddedRedis },
      irods: { url: config.irods.url },
      jobs: await this.jobs(),
      leftoverJobs: await this.#leftoverJobs(),
    };
  }

  /** Jobs that left state in Redis but are neither configured nor running anywhere. */
  async #leftoverJobs(): Promise<string[]> {
    const known = new Set([
      ...this.#deps.config.job.map((job) => job.name),
      ...this.#deps.jobs.list().map((runner) => runner.name),
    ]);
    try {
      return (await this.#deps.unclaimedJobs()).filter((name) => !known.has(name));
    } catch {
      // Redis is away: status still answers (it says Redis is not connected).
      return [];
    }
  }

  async jobs(): Promise<JobStatus[]> {
    return Promise.all(this.#deps.jobs.list().map((runner) => runner.status()));
  }

  async job(name: string): Promise<JobStatus> {
    return this.#runner(name).status();
  }

  startJob(spec: Record<string, unknown>): Promise<JobStatus> {
    return this.#serially(async () => {
      this.#refuseWhileDraining();
      const { config, jobs, logger, events } = this.#deps;
      // Refusals are logged: they are a socket user reaching beyond what the admin allowed.
      const refusal = (problems: string) => {
        logger.warn(`ad-hoc job refused: ${problems}`);
        return new ControlError('FORBIDDEN', problems);
      };
      const off = adhocOffProblem(config.daemon);
      if (off !== undefined) throw refusal(off);
      const result = validateJobSpec(spec, config);
      if ('problems' in result) {
        throw new ControlError('BAD_REQUEST', result.problems.join('; '));
      }
      const bounded = await withinDeadline(
        boundAdhocJob(result.job, config.daemon, this.#deps.facts.uid),
      );
      if ('problems' in bounded) throw refusal(bounded.problems.join('; '));
      const { job } = bounded;
      if (jobs.get(job.name) !== undefined) {
        throw new ControlError('CONFLICT', `job ${job.name} exists already`);
      }
      if (job.handler !== '') {
        const problems = await this.#deps.handlers.add(job.handler);
        if (problems.length > 0) {
          throw new ControlError('BAD_REQUEST', `job.handler: ${problems.join('; ')}`);
        }
      }
      // Jobs of other daemons on the same Redis: their targets may not overlap either.
      const overlap = await jobs.targetConflict(job);
      if (overlap !== undefined) {
        throw new ControlError(
          'CONFLICT',
          `job.target: ${job.target} of job "${job.name}" overlaps the target ${overlap.target} of job "${overlap.job}" on daemon ${overlap.owner}; the targets of two jobs may not be equal or nested`,
        );
      }
      // Kept in the config in force, so that a later ad-hoc job is checked against it too; a
      // reload drops it (it is not in the files).
      this.#deps.config = { ...config, job: [...config.job, job] };
      jobs.start([job]);
      logger.info(`job ${job.name}: started ad hoc: ${job.source} → ${job.target}`, {
        job: job.name,
      });
      events.publish('job-state', `job ${job.name} started`, { job: job.name });
      return this.#runner(job.name).status();
    });
  }

  stopJob(name: string): Promise<void> {
    return this.#serially(async () => {
      this.#runner(name);
      await this.#deps.jobs.stop(name);
      const { config } = this.#deps;
      this.#deps.config = { ...config, job: config.job.filter((job) => job.name !== name) };
      this.#deps.logger.info(`job ${name}: stopped on request`, { job: name });
      this.#deps.events.publish('job-state', `job ${name} stopped`, { job: name });
    });
  }

  async pauseJob(name: string): Promise<void> {
    await this.#runner(name).pause();
  }

  resumeJob(name: string): Promise<void> {
    this.#runner(name).resume();
    return Promise.resolve();
  }

  rescanJob(name: string): Promise<void> {
    const runner = this.#runner(name);
    if (this.#draining) {
      throw new ControlError('UNAVAILABLE', 'the daemon is draining');
    }
    runner.rescan('requested through the control socket');
    return Promise.resolve();
  }

  resyncJob(name: string): Promise<void> {
    const runner = this.#runner(name);
    this.#refuseWhileDraining();
    runner.resync();
    return Promise.resolve();
  }

  forgetJob(name: string): Promise<{ keys: number }> {
    return this.#serially(async () => {
      const configured = this.#deps.config.job.some((job) => job.name === name);
      if (configured || this.#deps.jobs.get(name) !== undefined) {
        throw new ControlError(
          'CONFLICT',
          `job ${JSON.stringify(name)} is ${configured ? 'configured' : 'running'}; forget removes only what a removed job left in Redis (remove it from the config and reload, or stop it, first)`,
        );
      }
      const result = await this.#deps.forgetJobKeys(name);
      if ('claimedBy' in result) {
        throw new ControlError(
          'CONFLICT',
          `job ${JSON.stringify(name)} runs on another daemon on this Redis (${result.claimedBy}); forget it there once it is removed`,
        );
      }
      this.#deps.logger.info(`job ${name}: forgotten: ${result.keys} Redis key(s) deleted`, {
        job: name,
      });
      return result;
    });
  }

  async retryJob(name: string): Promise<{ queued: number }> {
    return { queued: await this.#runner(name).retryFailures() };
  }

  async allowDeletes(name: string): Promise<AllowDeletesResult> {
    const result = await this.#runner(name).allowDeletes();
    if (typeof result === 'string') throw new ControlError('CONFLICT', result);
    return result;
  }

  async failures(name: string, page: { limit: number; cursor?: string }): Promise<FailureList> {
    const listed = await this.#runner(name).failures(page.limit, page.cursor ?? '0');
    return {
      failures: listed.failures.map((failure) => ({
        path: failure.relPath,
        operation: failure.operation,
        ...(failure.irodsCode === undefined ? {} : { irodsCode: failure.irodsCode }),
        ...(failure.errno === undefined ? {} : { errno: failure.errno }),
        message: failure.message,
        attempts: failure.attempts,
        at: new Date(failure.at).toISOString(),
      })),
      ...(listed.cursor === '0' ? {} : { next: listed.cursor }),
    };
  }

  reload(): Promise<ReloadResult> {
    return this.#serially(async () => {
      this.#refuseWhileDraining();
      const { configFile, env, jobs, logger, events } = this.#deps;
      this.#deps.onReload?.('start');
      try {
        let next: Config;
        const round = this.#deps.handlers.round();
        try {
          next = await loadConfig(configFile, env, { handlers: round });
        } catch (error) {
          if (!(error instanceof ConfigError)) throw error;
          const problems = problemsText(error)
            .split('\n')
            .filter((line) => line !== '');
          logger.error(`reload refused, the running config stays: ${problems.join('; ')}`);
          events.publish('reload', 'reload refused: the config has problems', {
            data: { problems },
          });
          return {
            applied: false,
            problems,
            added: [],
            removed: [],
            changed: [],
            needsRestart: [],
          };
        }
        const diff = diffConfig(this.#deps.config, next);
        this.#deps.handlers.install(round);
        for (const name of diff.removed) await jobs.stop(name);
        for (const name of diff.changed) {
          await jobs.replace(next.job.find((job) => job.name === name)!);
        }
        jobs.start(next.job.filter((job) => diff.added.includes(job.name)));
        this.#deps.config = next;
        this.#deps.applyLive(next);
        const summary = `reload applied: ${diff.added.length} added, ${diff.removed.length} removed, ${diff.changed.length} changed${diff.needsRestart.length > 0 ? `; needs a restart: ${diff.needsRestart.join(', ')}` : ''}`;
        logger.info(summary);
        events.publish('reload', summary, { data: { ...diff } });
        return { applied: true, problems: [], ...diff };
      } finally {
        this.#deps.onReload?.('end');
      }
    });
  }

  drain(): Promise<void> {
    if (this.#draining) return Promise.resolve();
    this.#draining = true;
    const { jobs, logger, events } = this.#deps;
    logger.info('draining: no new passes; stopping once the queues are empty');
    events.publish('job-state', 'draining');
    void Promise.all(jobs.list().map((runner) => runner.drain()))
      .then(() => logger.info('drained: every queue is empty'))
      .catch((error: unknown) => logger.warn(`draining: ${messageOf(error)}`))
      .finally(() => void this.#deps.stopDaemon());
    return Promise.resolve();
  }

  config(): Promise<Record<string, unknown>> {
    // Secret values serialise as "[redacted]".
    return Promise.resolve(
      JSON.parse(JSON.stringify(this.#deps.config)) as Record<string, unknown>,
    );
  }

  events(signal: AbortSignal): AsyncIterable<DaemonEvent> {
    return this.#deps.events.subscribe(signal);
  }

  #runner(name: string): JobRunner {
    const runner = this.#deps.jobs.get(name);
    if (runner === undefined) {
      throw new ControlError('NOT_FOUND', `no job named ${JSON.stringify(name)}`);
    }
    return runner;
  }

  #refuseWhileDraining(): void {
    if (this.#draining) {
      throw new ControlError('UNAVAILABLE', 'the daemon is draining');
    }
    if (!this.#deps.facts.jobsRunning()) {
      throw new ControlError(
        'UNAVAILABLE',
        'the daemon is still waiting for iRODS; try again once it runs its jobs',
      );
    }
  }

  #serially<T>(change: () => Promise<T>): Promise<T> {
    const run = this.#changes.then(change, change);
    this.#changes = run.catch(() => undefined);
    return run;
  }
}
