/**
 * The job set of a worker host (`role = "worker"`): it follows the job definitions the scanning
 * daemons keep in Redis (state/job-definitions.ts), so a worker needs no `[[job]]` of its own.
 * A `[[job]]` in the worker's own config still counts, and wins over the shared definition of the
 * same name (its source may be mounted elsewhere on this host).
 *
 * The set is brought in line with the definitions on every announced change, whenever the
 * subscription reconnects, and every REFRESH_MS besides, so that a lost message is healed. Each
 * job is checked on this host first (JOB_CHECKS); one that fails a check, or whose definition this
 * daemon cannot read (a newer format, an unknown operation), is not worked here: its queue gets no
 * worker from this host, so its batches are left to the daemons that can run them, and the reason
 * shows in `status` and `workers`. It is checked again at the next refresh.
 */
import { createHash } from 'node:crypto';
import { lstat, stat } from 'node:fs/promises';
import type { JobConfig } from './config/index.js';
import { handlerProblem, type AdhocLimits } from './config/adhoc-bounds.js';
import type { HandlerRegistry } from './handlers/registry.js';
import { decodeDefinition, jobTable } from './config/job-definition.js';
import type { UnusableJob } from './control/wire.js';
import { SETTLED, settleWithin } from './core/deadline.js';
import { planJobs } from './core/job-plan.js';
import { isS3Source } from './core/s3-keys.js';
import { messageOf } from './errors.js';
import type { Logger } from './log.js';
import type { DefinitionWatch, JobDefinitions } from './state/job-definitions.js';
import type { JobSet } from './sync/job-set.js';

/** How often the definitions are read again without being told (ms). */
export const REFRESH_MS = 30_000;
/** Longest a check may look at the job's source for (a hung mount). */
const CHECK_MS = 10_000;

/** Whether this host can work `job`: undefined when it can, else why not. */
export type JobCheck = (job: JobConfig) => Promise<string | undefined>;

/**
 * Looks at sources not answered yet, by path. A stat on a hung mount never returns and holds one
 * of libuv's four threads: one more every refresh would take them all within two minutes, and
 * with them every file read of every job on this host.
 */
const unanswered = new Map<string, Promise<string | undefined>>();

/**
 * A directory source must be a directory on this host too, holding the job's `source_marker` when
 * it has one: the batches read or stat its files, and a mount point whose file system is not
 * mounted here is an empty directory.
 */
export async function sourceOnThisHost(job: JobConfig): Promise<string | undefined> {
  if (isS3Source(job.source)) return undefined;
  let looked = unanswered.get(job.source);
  if (looked === undefined) {
    looked = stat(job.source).then(
      (stats) =>
        stats.isDirectory()
          ? markerOnThisHost(job)
          : `its source ${job.source} is not a directory here`,
      (error: NodeJS.ErrnoException) =>
        `its source ${job.source} cannot be read here (${error.code ?? messageOf(error)})`,
    );
    unanswered.set(job.source, looked);
    void looked.finally(() => unanswered.delete(job.source));
  }
  const settled = await settleWithin(looked, CHECK_MS);
  if (settled === SETTLED.late) {
    return `its source ${job.source} did not answer within ${CHECK_MS / 1000} s (a hung mount?)`;
  }
  return looked;
}

async function markerOnThisHost(job: JobConfig): Promise<string | undefined> {
  if (job.source_marker === '') return undefined;
  const marker = `${job.source}/${job.source_marker}`;
  return lstat(marker).then(
    () => undefined,
    (error: NodeJS.ErrnoException) =>
      `its source marker ${marker} is not there on this host (${error.code ?? messageOf(error)}): is the file system mounted?`,
  );
}

export const JOB_CHECKS: readonly JobCheck[] = [sourceOnThisHost];

/**
 * A job's handler must load here, and only from where this host's own `daemon.handler_dirs`
 * allows and nobody but root or the daemon's user could change it: the definition came from
 * Redis, and whoever can write there must not choose what code the worker hosts run.
 */
export async function handlerOnThisHost(
  job: JobConfig,
  handlers: Pick<HandlerRegistry, 'add' | 'has'>,
  limits: AdhocLimits,
  uid: number,
): Promise<string | undefined> {
  if (job.handler === '') return undefined;
  const untrusted = await handlerProblem(job.handler, limits, uid);
  if (untrusted !== undefined) return `its handler cannot run on this host: ${untrusted}`;
  // Imported once: every import of a module stays in memory, and refreshes come every 30 s.
  if (handlers.has(job.handler)) return undefined;
  const problems = await handlers.add(job.handler);
  return problems.length === 0
    ? undefined
    : `its handler does not load here: ${problems.join('; ')}`;
}

export interface JobFollowerDeps {
  readonly jobs: JobSet;
  readonly definitions: JobDefinitions;
  /** The `[[job]]` tables of this daemon's own config now in force. */
  readonly localJobs: () => readonly JobConfig[];
  readonly logger: Logger;
  readonly checks?: readonly JobCheck[];
}

export class JobFollower {
  readonly #deps: JobFollowerDeps;
  /** Job name → digest of the definition its runner was started with. */
  readonly #running = new Map<string, string>();
  #unusable = new Map<string, string>();
  #watch: DefinitionWatch | undefined;
  #timer: NodeJS.Timeout | undefined;
  /** The refresh under way, and whether another was asked for meanwhile. */
  #refreshing: Promise<void> | undefined;
  #again = false;
  #stopped = false;

  constructor(deps: JobFollowerDeps) {
    this.#deps = deps;
  }

  /** Starts the jobs defined now and follows their changes. */
  async start(): Promise<void> {
    const { definitions, logger } = this.#deps;
    try {
      this.#watch = await definitions.watch(
        () => void this.refresh(),
        (error) => logger.warn(`redis (job definitions): ${error.message}`),
      );
    } catch (error) {
      // An ACL user without channel rights (Redis 7's default for new users): the re-reads
      // every REFRESH_MS still follow the definitions, only later.
      logger.warn(
        `cannot subscribe to job definition changes (${messageOf(error)}); re-reading them every ${REFRESH_MS / 1000} s instead`,
      );
    }
    if (this.#stopped) {
      await this.#watch?.close();
      return;
    }
    this.#timer = setInterval(() => void this.refresh(), REFRESH_MS);
    this.#timer.unref();
    await this.refresh();
  }

  /** The shared jobs this host does not work, and why. */
  unusable(): UnusableJob[] {
    return [...this.#unusable].map(([name, reason]) => ({ name, reason }));
  }

  /** Brings the job set in line with the definitions; calls during one make one more follow. */
  refresh(): Promise<void> {
    if (this.#refreshing !== undefined) {
      this.#again = true;
      return this.#refreshing;
    }
    this.#refreshing = (async () => {
      do {
        this.#again = false;
        try {
          await this.#refreshOnce();
        } catch (error) {
          this.#deps.logger.warn(`reading the shared job definitions failed: ${messageOf(error)}`);
        }
      } while (this.#again && !this.#stopped);
    })().finally(() => (this.#refreshing = undefined));
    return this.#refreshing;
  }

  /** Stops following; the runners stay (the daemon's stop stops them with the rest). */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearInterval(this.#timer);
    await this.#watch?.close();
    await this.#refreshing;
  }

  async #refreshOnce(): Promise<void> {
    const { jobs, logger } = this.#deps;
    const { usable, unusable } = await this.#wanted();
    if (this.#stopped) return;
    const digests = new Map([...usable].map(([name, job]) => [name, digestOf(job)]));
    const plan = planJobs(this.#running, digests);
    for (const name of plan.stop) {
      this.#running.delete(name);
      await jobs.stop(name);
      const why = unusable.get(name);
      logger.info(`job ${name}: no longer worked here${why === undefined ? '' : `: ${why}`}`);
    }
    for (const name of plan.replace) {
      await jobs.replace(usable.get(name)!);
      this.#running.set(name, digests.get(name)!);
      logger.info(`job ${name}: its definition changed; restarted`);
    }
    const added = plan.start.map((name) => usable.get(name)!);
    jobs.start(added);
    for (const job of added) {
      this.#running.set(job.name, digests.get(job.name)!);
      logger.info(`job ${job.name}: working its queue (${job.source} → ${job.target})`);
    }
    for (const [name, reason] of unusable) {
      if (this.#unusable.get(name) !== reason) {
        logger.warn(`job ${name}: not worked on this host, left to others: ${reason}`);
      }
    }
    this.#unusable = unusable;
  }

  /** The jobs this host should work, and those it cannot, with why. */
  async #wanted(): Promise<{ usable: Map<string, JobConfig>; unusable: Map<string, string> }> {
    const usable = new Map<string, JobConfig>();
    const unusable = new Map<string, string>();
    const local = new Map(this.#deps.localJobs().map((job) => [job.name, job]));
    const candidates: JobConfig[] = [...local.values()];
    for (const [name, text] of await this.#deps.definitions.all()) {
      if (local.has(name)) continue;
      const decoded = decodeDefinition(text);
      if ('problem' in decoded) unusable.set(name, decoded.problem);
      else if (decoded.definition.job.name !== name) {
        unusable.set(name, `its definition names another job (${decoded.definition.job.name})`);
      } else candidates.push(decoded.definition.job);
    }
    await Promise.all(
      candidates.map(async (job) => {
        const problem = await this.#check(job);
        if (problem === undefined) usable.set(job.name, job);
        else unusable.set(job.name, problem);
      }),
    );
    return { usable, unusable };
  }

  async #check(job: JobConfig): Promise<string | undefined> {
    for (const check of this.#deps.checks ?? JOB_CHECKS) {
      const problem = await check(job).catch((error: unknown) => messageOf(error));
      if (problem !== undefined) return problem;
    }
    return undefined;
  }
}

function digestOf(job: JobConfig): string {
  return createHash('sha256')
    .update(JSON.stringify(jobTable(job)))
    .digest('base64url');
}
