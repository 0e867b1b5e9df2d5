/**
 * The ad-hoc jobs of a scanning daemon (`irods-ingestctl start`, `POST /v1/jobs`): admitted only
 * when valid next to the running jobs and within the admin's bounds (daemon.adhoc_sources,
 * adhoc_targets, handler_dirs), stored in Redis with their definition (job-publisher.ts) so that
 * they outlive reloads and restarts, and removed only by `irods-ingestctl stop NAME`.
 *
 * The daemon that started a job owns it: it scans and watches it, and after a restart it starts it
 * again from the stored definition, checked once more against its config and bounds of now. A job
 * that no longer passes (its name or target now taken by a config job, its source outside the
 * bounds) stays stored, not running, is listed in `status`, and `stop NAME` removes it.
 */
import type { Config, JobConfig } from './config/index.js';
import { adhocOffProblem, boundAdhocJob } from './config/adhoc-bounds.js';
import { JOB_ORIGINS, jobTable } from './config/job-definition.js';
import { validateJobSpec } from './config/job-spec.js';
import type { HandlerRegistry } from './handlers/registry.js';
import { ControlError } from './control/http-errors.js';
import type { UnusableJob } from './control/wire.js';
import { SETTLED, settleWithin } from './core/deadline.js';
import { messageOf } from './errors.js';
import type { JobPublisher } from './job-publisher.js';
import type { Logger } from './log.js';
import type { JobSet } from './sync/job-set.js';

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

/** A reload whose files' jobs clash with running ad-hoc jobs (name or target). */
export class AdhocConflict extends Error {
  readonly problems: string[];

  constructor(problems: string[]) {
    super(problems.join('; '));
    this.problems = problems;
  }
}

export interface AdhocJobsDeps {
  readonly jobs: JobSet;
  readonly publisher: JobPublisher;
  readonly logger: Logger;
  /** The daemon's user: with root, the only one trusted to own the handlers it runs. */
  readonly uid: number;
  /** Where an ad-hoc job's handler is imported and kept. */
  readonly handlers: Pick<HandlerRegistry, 'add'>;
  /** The config in force, and its replacement (ad-hoc jobs are part of it). */
  readonly config: () => Config;
  readonly setConfig: (config: Config) => void;
}

export class AdhocJobs {
  readonly #deps: AdhocJobsDeps;
  /** The ad-hoc jobs running now, by name. */
  readonly #running = new Set<string>();
  /** Stored ad-hoc jobs of this daemon that were not started again, and why. */
  readonly #notRestarted = new Map<string, string>();

  constructor(deps: AdhocJobsDeps) {
    this.#deps = deps;
  }

  /** Admits, stores and runs the job `spec` describes; throws ControlError when it may not. */
  async start(spec: Record<string, unknown>): Promise<JobConfig> {
    const { publisher } = this.#deps;
    const job = await this.#admit(spec);
    // Stored first: a job that could not be stored would not outlive a restart, nor reach the
    // worker hosts.
    try {
      await publisher.publish(job, JOB_ORIGINS.adhoc);
    } catch (error) {
      await publisher.withdraw(job.name);
      throw new ControlError(
        'UNAVAILABLE',
        `the job could not be stored in Redis: ${messageOf(error)}`,
      );
    }
    this.#run(job);
    return job;
  }

  /**
   * Starts again the ad-hoc jobs this daemon ran before it stopped (see the module comment), and
   * withdraws the stored definitions of config jobs removed meanwhile.
   */
  async restart(): Promise<void> {
    const { publisher, logger } = this.#deps;
    const configured = new Set(this.#deps.config().job.map((job) => job.name));
    let stored: JobConfig[];
    try {
      stored = await publisher.resumeStored(configured);
    } catch (error) {
      logger.error(`reading the stored ad-hoc jobs failed: ${messageOf(error)}`);
      return;
    }
    for (const spec of stored) {
      try {
        const job = await this.#admit(jobTable(spec));
        await publisher.publishLogged(job, JOB_ORIGINS.adhoc);
        this.#run(job);
        logger.info(`job ${job.name}: ad-hoc job started again: ${job.source} → ${job.target}`, {
          job: job.name,
        });
      } catch (error) {
        this.#notRestarted.set(spec.name, messageOf(error));
        logger.error(
          `ad-hoc job ${spec.name} is not started again: ${messageOf(error)} (irods-ingestctl stop ${spec.name} removes it)`,
          { job: spec.name },
        );
      }
    }
  }

  /** Forgets `name` as an ad-hoc job once it stopped; true when it was a stored one not running. */
  async removed(name: string): Promise<boolean> {
    this.#running.delete(name);
    if (!this.#notRestarted.delete(name)) return false;
    await this.#deps.publisher.withdraw(name);
    return true;
  }

  /** The stored ad-hoc jobs not running, and why. */
  notRunning(): UnusableJob[] {
    return [...this.#notRestarted].map(([name, reason]) => ({ name, reason }));
  }

  /**
   * `next` (the files' config at a reload) with the running ad-hoc jobs added, each checked against
   * the files' jobs as at `start`; throws AdhocConflict when a file's job now clashes with one.
   */
  keptIn(next: Config): Config {
    let merged = next;
    const problems: string[] = [];
    for (const job of this.#deps.config().job) {
      if (!this.#running.has(job.name)) continue;
      const checked = validateJobSpec(jobTable(job), merged);
      if ('problems' in checked) {
        problems.push(
          ...checked.problems.map(
            (problem) =>
              `ad-hoc job ${job.name}: ${problem} (irods-ingestctl stop ${job.name} first, or change the config)`,
          ),
        );
      } else merged = { ...merged, job: [...merged.job, job] };
    }
    if (problems.length > 0) throw new AdhocConflict(problems);
    return merged;
  }

  /** The ad-hoc job `spec` describes, validated and within the admin's bounds; or it throws. */
  async #admit(spec: Record<string, unknown>): Promise<JobConfig> {
    const { jobs, logger } = this.#deps;
    const config = this.#deps.config();
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
    const bounded = await withinDeadline(boundAdhocJob(result.job, config.daemon, this.#deps.uid));
    if ('problems' in bounded) throw refusal(bounded.problems.join('; '));
    const { job } = bounded;
    if (jobs.get(job.name) !== undefined) {
      throw new ControlError('CONFLICT', `job ${job.name} exists already`);
    }
    // A name is one job, with one state, across the daemons sharing the Redis: taking another
    // daemon's would wipe its state (a new source for the same job) and split its workers.
    const owner = await this.#deps.publisher.otherOwner(job.name);
    if (owner !== undefined) {
      throw new ControlError(
        'CONFLICT',
        `job ${job.name} exists already on daemon ${owner}; give the ad-hoc job a name of its own`,
      );
    }
    // Jobs of other daemons on the same Redis: their targets may not overlap either.
    const overlap = await jobs.targetConflict(job);
    if (overlap !== undefined) {
      throw new ControlError(
        'CONFLICT',
        `job.target: ${job.target} of job "${job.name}" overlaps the target ${overlap.target} of job "${overlap.job}" on daemon ${overlap.owner}; the targets of two jobs may not be equal or nested`,
      );
    }
    if (job.handler !== '') {
      const problems = await this.#deps.handlers.add(job.handler);
      if (problems.length > 0) {
        throw new ControlError('BAD_REQUEST', `job.handler: ${problems.join('; ')}`);
      }
    }
    return job;
  }

  /** Runs an admitted job, kept in the config in force so that later jobs are checked with it. */
  #run(job: JobConfig): void {
    const config = this.#deps.config();
    this.#deps.setConfig({ ...config, job: [...config.job, job] });
    this.#running.add(job.name);
    this.#deps.jobs.start([job]);
  }
}
