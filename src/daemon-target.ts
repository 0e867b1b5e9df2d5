/**
 * The daemon as the control socket sees it (ControlTarget): job status and actions on the job
 * set, ad-hoc jobs validated like config jobs, reload (validate everything first, then apply),
 * drain, the effective config with secrets redacted, and the live events.
 *
 * Jobs are shared through Redis (job-sharing.ts). A scanning daemon (role all) writes the
 * definition of each job it starts and withdraws it when the job goes; its ad-hoc jobs outlive
 * reloads and restarts (it starts them again from their stored definitions) until `stop`. A worker
 * host's job set follows the stored definitions; it takes no ad-hoc jobs of its own.
 */
import type { Config, Environment } from './config/index.js';
import { diffConfig, type ConfigDiff } from './config/diff.js';
import { JOB_ORIGINS } from './config/job-definition.js';
import { AdhocJobs } from './adhoc-jobs.js';
import type { EventHub } from './core/event-hub.js';
import { ControlError } from './control/http-errors.js';
import type { ControlTarget } from './control/target.js';
import type {
  AllowDeletesResult,
  DaemonEvent,
  DaemonStatus,
  FailureList,
  JobStatus,
  ReloadResult,
  WorkerInfo,
} from './control/wire.js';
import { messageOf } from './errors.js';
import type { HandlerRegistry } from './handlers/registry.js';
import type { JobSharing } from './job-sharing.js';
import { reloadedConfig } from './reload-config.js';
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
  /** The job definitions and heartbeats shared with the other daemons on the Redis. */
  readonly sharing: JobSharing;
  /** Deletes every Redis key of a job (state/forget-job.ts). */
  readonly forgetJobKeys: (name: string) => Promise<{ keys: number } | { claimedBy: string }>;
  /** Jobs with state in Redis that no daemon runs now (state/job-registry.ts). */
  readonly unclaimedJobs: () => Promise<string[]>;
}

export class DaemonTarget implements ControlTarget {
  readonly #deps: DaemonTargetDeps;
  #draining = false;
  /** The ad-hoc jobs (a scanning daemon's; a worker host takes none). */
  readonly #adhoc: AdhocJobs | undefined;
  /** Reloads and ad-hoc jobs change the job set one at a time. */
  #changes: Promise<unknown> = Promise.resolve();

  constructor(deps: DaemonTargetDeps) {
    this.#deps = deps;
    const { publisher } = deps.sharing;
    this.#adhoc =
      publisher === undefined
        ? undefined
        : new AdhocJobs({
            jobs: deps.jobs,
            publisher,
            logger: deps.logger,
            uid: deps.facts.uid,
            handlers: deps.handlers,
            config: () => this.#deps.config,
            setConfig: (config) => (this.#deps.config = config),
          });
  }

  /** The config now in force: the files' as last loaded, with ad-hoc jobs added. */
  configInForce(): Config {
    return this.#deps.config;
  }

  async status(): Promise<DaemonStatus> {
    const { facts, config } = this.#deps;
    const unusable = [...this.#deps.sharing.unusable(), ...(this.#adhoc?.notRunning() ?? [])];
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
      ...(unusable.length === 0 ? {} : { unusableJobs: unusable }),
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

  workers(): Promise<WorkerInfo[]> {
    return this.#deps.sharing.workers();
  }

  /**
   * Starts the jobs once iRODS answers: those of the config and, on a scanning daemon, the
   * ad-hoc jobs it ran before; on a worker host, those of the stored definitions.
   */
  async startJobs(): Promise<void> {
    const { jobs, sharing, config } = this.#deps;
    if (sharing.follower !== undefined) {
      await sharing.follower.start();
    } else {
      jobs.start(config.job);
      for (const job of config.job) await sharing.publisher?.publishLogged(job, JOB_ORIGINS.config);
      await this.#adhoc?.restart();
    }
    await sharing.startHeartbeat();
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
      const { logger, events } = this.#deps;
      if (this.#adhoc === undefined) {
        throw new ControlError(
          'CONFLICT',
          'this daemon is a worker (role "worker"): it scans nothing; start ad-hoc jobs on a role "all" daemon, whose workers and worker hosts then work them',
        );
      }
      const job = await this.#adhoc.start(spec);
      logger.info(`job ${job.name}: started ad hoc: ${job.source} → ${job.target}`, {
        job: job.name,
      });
      events.publish('job-state', `job ${job.name} started`, { job: job.name });
      return this.#runner(job.name).status();
    });
  }

  stopJob(name: string): Promise<void> {
    return this.#serially(async () => {
      const { sharing, jobs, logger, events } = this.#deps;
      if (this.#deps.jobs.get(name) === undefined && (await this.#adhoc?.removed(name))) {
        logger.info(`job ${name}: stored ad-hoc job removed on request`, { job: name });
        return;
      }
      this.#runner(name);
      if (sharing.follower !== undefined) {
        throw new ControlError(
          'CONFLICT',
          `this daemon is a worker: its jobs follow the definitions in Redis (and its own config); stop job ${name} on the daemon that scans it`,
        );
      }
      await jobs.stop(name);
      await sharing.publisher?.withdraw(name);
      await this.#adhoc?.removed(name);
      const { config } = this.#deps;
      this.#deps.config = { ...config, job: config.job.filter((job) => job.name !== name) };
      logger.info(`job ${name}: stopped on request`, { job: name });
      events.publish('job-state', `job ${name} stopped`, { job: name });
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
      const { configFile, env, logger, events } = this.#deps;
      this.#deps.onReload?.('start');
      try {
        const round = this.#deps.handlers.round();
        const loaded = await reloadedConfig(configFile, env, round, this.#adhoc);
        if ('problems' in loaded) {
          const { problems } = loaded;
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
        const next = loaded.config;
        const diff = diffConfig(this.#deps.config, next);
        this.#deps.handlers.install(round);
        this.#deps.config = next;
        await this.#applyJobs(diff, next);
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

  /** Applies the jobs of a reload: the job set, and the definitions shared through Redis. */
  async #applyJobs(diff: ConfigDiff, next: Config): Promise<void> {
    const { jobs, sharing } = this.#deps;
    if (sharing.follower !== undefined) {
      await sharing.follower.refresh();
      return;
    }
    const jobOf = (name: string) => next.job.find((job) => job.name === name)!;
    for (const name of diff.removed) {
      await jobs.stop(name);
      await sharing.publisher?.withdraw(name);
    }
    for (const name of diff.changed) {
      await jobs.replace(jobOf(name));
      await sharing.publisher?.publishLogged(jobOf(name), JOB_ORIGINS.config);
    }
    const added = diff.added.map(jobOf);
    jobs.start(added);
    for (const job of added) await sharing.publisher?.publishLogged(job, JOB_ORIGINS.config);
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
