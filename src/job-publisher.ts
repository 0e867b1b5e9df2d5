/**
 * The scanning side of the shared job definitions (state/job-definitions.ts): a `role = "all"`
 * daemon writes the definition of every job it starts (from its config or ad hoc) and withdraws
 * it when the job is removed (a reload without it, `irods-ingestctl stop`), so that the worker
 * hosts work exactly the jobs being scanned.
 *
 * A write that fails (Redis away) is not lost: the job is marked and written again with the next
 * heartbeat (reassert), which also puts back the definitions of this daemon's jobs that went
 * missing (a Redis that lost its data; another daemon running the same job withdrew it).
 *
 * `owner` is the daemon's stable identity (host and control socket, the same after a restart): it
 * tells this daemon's ad-hoc jobs from other daemons' when it starts again and re-creates them.
 */
import type { JobConfig } from './config/index.js';
import {
  decodeDefinition,
  encodeDefinition,
  JOB_ORIGINS,
  type JobOrigin,
} from './config/job-definition.js';
import { messageOf } from './errors.js';
import type { Logger } from './log.js';
import type { JobDefinitions } from './state/job-definitions.js';

export class JobPublisher {
  readonly owner: string;
  readonly #definitions: JobDefinitions;
  readonly #logger: Logger;
  /** The definitions of this daemon's jobs, by name. */
  readonly #own = new Map<string, string>();
  /** Jobs whose definition must be written again (a write failed), or withdrawn. */
  readonly #unwritten = new Set<string>();
  readonly #unwithdrawn = new Set<string>();

  constructor(definitions: JobDefinitions, owner: string, logger: Logger) {
    this.#definitions = definitions;
    this.owner = owner;
    this.#logger = logger;
  }

  /**
   * The daemon that stored a definition of `name`, when it is another one; `an unknown daemon`
   * for a definition this one cannot read (it may be a newer daemon's: never taken for none).
   */
  async otherOwner(name: string): Promise<string | undefined> {
    const text = await this.#definitions.get(name);
    if (text === undefined) return undefined;
    const decoded = decodeDefinition(text);
    if ('problem' in decoded) return 'an unknown daemon';
    const { owner } = decoded.definition;
    return owner === this.owner ? undefined : owner;
  }

  /** Writes the definition of `job`; throws when Redis refused (it is tried again later). */
  async publish(job: JobConfig, origin: JobOrigin): Promise<void> {
    const text = encodeDefinition(job, origin, this.owner);
    this.#own.set(job.name, text);
    this.#unwithdrawn.delete(job.name);
    this.#unwritten.add(job.name);
    await this.#definitions.put(job.name, text);
    this.#unwritten.delete(job.name);
  }

  /** publish(), with a failure logged instead of thrown (config jobs: the job runs anyway). */
  async publishLogged(job: JobConfig, origin: JobOrigin): Promise<void> {
    await this.publish(job, origin).catch((error: unknown) =>
      this.#logger.warn(
        `job ${job.name}: its definition could not be written to Redis yet (${messageOf(error)}); worker hosts see it once it is`,
      ),
    );
  }

  /** Withdraws the definition of `name` (if this daemon wrote it); a failure is retried later. */
  async withdraw(name: string): Promise<void> {
    this.#own.delete(name);
    this.#unwritten.delete(name);
    this.#unwithdrawn.add(name);
    try {
      await this.#definitions.withdraw(name, this.owner);
      this.#unwithdrawn.delete(name);
    } catch (error) {
      this.#logger.warn(
        `job ${name}: its definition could not be removed from Redis yet (${messageOf(error)})`,
      );
    }
  }

  /** What failed before is done now; missing definitions of this daemon's jobs are written. */
  async reassert(): Promise<void> {
    for (const name of [...this.#unwithdrawn]) {
      await this.#definitions.withdraw(name, this.owner);
      this.#unwithdrawn.delete(name);
    }
    for (const name of [...this.#unwritten]) {
      const text = this.#own.get(name);
      if (text !== undefined) await this.#definitions.put(name, text);
      this.#unwritten.delete(name);
    }
    const restored = await this.#definitions.restore(this.#own);
    if (restored > 0) this.#logger.info(`${restored} job definition(s) written to Redis again`);
  }

  /**
   * At start: withdraws the definitions of config jobs this daemon wrote before that its config
   * no longer has (removed while it was down), and returns its stored ad-hoc jobs, to be started
   * again. Definitions it cannot read (a newer daemon's) are logged and left untouched.
   */
  async resumeStored(configured: ReadonlySet<string>): Promise<JobConfig[]> {
    const adhoc: JobConfig[] = [];
    for (const [name, text] of await this.#definitions.all()) {
      const decoded = decodeDefinition(text);
      if ('problem' in decoded) {
        this.#logger.warn(
          `job ${name}: its stored definition is left as it is: ${decoded.problem}`,
        );
        continue;
      }
      const { origin, owner, job } = decoded.definition;
      if (owner !== this.owner) continue;
      if (origin === JOB_ORIGINS.adhoc) adhoc.push(job);
      else if (!configured.has(name)) {
        await this.withdraw(name);
        this.#logger.info(`job ${name}: no longer configured; its stored definition is removed`);
      }
    }
    return adhoc;
  }
}
