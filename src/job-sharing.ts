/**
 * What a daemon shares with the others on its Redis: the job definitions (written by a scanning
 * daemon, job-publisher.ts; followed by a worker host, job-follower.ts) and its heartbeat
 * (state/daemon-registry.ts), from which `irods-ingestctl workers` lists every daemon.
 *
 * Two identities: the run id (host, pid, a random part) names this run in the registry, so a
 * restarted daemon is a new entry and the killed one drops out on its own; the stable owner
 * (host and control socket) names the daemon across restarts, so it finds its ad-hoc jobs again.
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { RedisClient } from './state/index.js';
import type { Config } from './config/index.js';
import type { UnusableJob, WorkerInfo } from './control/wire.js';
import { messageOf } from './errors.js';
import { handlerOnThisHost, JOB_CHECKS, JobFollower } from './job-follower.js';
import type { HandlerRegistry } from './handlers/registry.js';
import { JobPublisher } from './job-publisher.js';
import type { Logger } from './log.js';
import { DaemonRegistry, HEARTBEAT_MS } from './state/daemon-registry.js';
import { JobDefinitions } from './state/job-definitions.js';
import type { JobSet } from './sync/job-set.js';

/** What a daemon reports in its heartbeat. */
type Beat = Omit<WorkerInfo, 'id' | 'lastSeen'>;

export interface JobSharingDeps {
  readonly redis: RedisClient;
  /** The effective key prefix (`{key_prefix}` on a Redis Cluster). */
  readonly keyPrefix: string;
  readonly config: Config;
  /** Where a worker host imports the handlers of the jobs it follows. */
  readonly handlers: Pick<HandlerRegistry, 'add' | 'has'>;
  /** The daemon's user: with root, the only one trusted to own the handlers it runs. */
  readonly uid: number;
  readonly role: 'all' | 'worker';
  readonly jobs: JobSet;
  /** The config now in force (a reload changes it). */
  readonly configInForce: () => Config;
  readonly logger: Logger;
  readonly version: string;
  readonly pid: number;
  readonly startedAt: Date;
}

export class JobSharing {
  readonly runId: string;
  /** Writes the definitions of the jobs this daemon scans (role all). */
  readonly publisher: JobPublisher | undefined;
  /** Follows the definitions (role worker). */
  readonly follower: JobFollower | undefined;
  readonly #deps: JobSharingDeps;
  readonly #registry: DaemonRegistry<Beat>;
  #timer: NodeJS.Timeout | undefined;
  #beating: Promise<void> | undefined;
  #failing = false;
  #stopped = false;

  constructor(deps: JobSharingDeps) {
    this.#deps = deps;
    const { redis, config, role, jobs, logger } = deps;
    const prefix = deps.keyPrefix;
    const host = hostname();
    this.runId = `${host}:${deps.pid}:${randomUUID().slice(0, 8)}`;
    this.#registry = new DaemonRegistry(redis, prefix);
    const definitions = new JobDefinitions(redis, prefix);
    const owner = `${host}:${config.daemon.control_socket}`;
    this.publisher = role === 'all' ? new JobPublisher(definitions, owner, logger) : undefined;
    this.follower =
      role === 'worker'
        ? new JobFollower({
            jobs,
            definitions,
            localJobs: () => deps.configInForce().job,
            logger,
            checks: [
              ...JOB_CHECKS,
              (job) => handlerOnThisHost(job, deps.handlers, config.daemon, deps.uid),
            ],
          })
        : undefined;
  }

  /** The shared jobs this daemon cannot work (worker role). */
  unusable(): UnusableJob[] {
    return this.follower?.unusable() ?? [];
  }

  /** Registers the daemon and keeps its heartbeat going, every HEARTBEAT_MS. */
  async startHeartbeat(): Promise<void> {
    await this.#beat();
    if (this.#stopped) return;
    this.#timer = setInterval(() => void this.#beat(), HEARTBEAT_MS);
  }

  /** Every daemon with a live heartbeat. */
  async workers(): Promise<WorkerInfo[]> {
    const daemons = await this.#registry.list();
    return daemons.map(({ id, lastSeen, info }) => ({
      ...info,
      id,
      lastSeen: new Date(lastSeen).toISOString(),
    }));
  }

  /** Stops following and beating, and deregisters (the others need not wait for the timeout). */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearInterval(this.#timer);
    await this.follower?.stop();
    await this.#beating;
    await this.#registry.remove(this.runId).catch(() => undefined);
  }

  #beat(): Promise<void> {
    if (this.#stopped) return Promise.resolve();
    this.#beating ??= (async () => {
      try {
        await this.#registry.beat(this.runId, this.#report());
        await this.publisher?.reassert();
        if (this.#failing) this.#deps.logger.info('heartbeat: registered in Redis again');
        this.#failing = false;
      } catch (error) {
        const why = messageOf(error);
        if (!this.#failing) this.#deps.logger.warn(`heartbeat failed: ${why}`);
        this.#failing = true;
      }
    })().finally(() => (this.#beating = undefined));
    return this.#beating;
  }

  #report(): Beat {
    const { jobs, config, role, version, pid, startedAt } = this.#deps;
    const runners = jobs.list();
    return {
      host: hostname(),
      pid,
      role,
      version,
      startedAt: startedAt.toISOString(),
      workers: config.daemon.workers,
      jobs: runners.map((runner) => runner.name).sort(),
      unusable: this.unusable(),
      batchesInFlight: runners.reduce((sum, runner) => sum + runner.batchesInFlight, 0),
    };
  }
}
