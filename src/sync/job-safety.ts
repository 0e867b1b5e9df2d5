/**
 * A job's delete safety, in one place for the job runner: the source guard (is the source root
 * the recorded one, does the state belong to the job's source and target), the claim on its
 * target among the daemons sharing the Redis (no other job's target may equal or nest it), the
 * delete gate (max_delete), the refusal last reported, and what `status` and `allow-deletes` see
 * of them.
 */
import type { RedisClient } from '../state/index.js';
import type { JobConfig } from '../config/index.js';
import type { AllowDeletesResult, HeldDeletes } from '../core/job-status.js';
import type { RootLook } from '../core/source-identity.js';
import { IngestError } from '../errors.js';
import type { Logger } from '../log.js';
import type { JobQueue } from '../queue/queue.js';
import {
  CLAIM_RENEW_MS,
  DeleteHolds,
  SourceRecords,
  type FailureStore,
  type FileStateStore,
  type TargetClaims,
} from '../state/index.js';
import { DeleteGate } from './delete-gate.js';
import { SourceGuard, type Refusal } from './source-guard.js';

export interface JobSafetyDeps {
  readonly job: JobConfig;
  readonly redis: RedisClient;
  readonly keyPrefix: string;
  readonly states: FileStateStore;
  readonly failures: FailureStore;
  readonly queue: JobQueue;
  readonly logger: Logger;
  readonly stopped: () => boolean;
  /** Looks at the source root as a pass would see it (sources/source.ts JobSource.look). */
  readonly look: (marker: string) => Promise<RootLook>;
  /** The job's preflight (worker/preflight.ts): what keeps it from starting; [] when nothing. */
  readonly preflight?: () => Promise<string[]>;
  /** This daemon runs the job's passes (role "all"), or only works its queue. */
  readonly scans: boolean;
  /** The job's claim on its target among the daemons (scanning daemons only). */
  readonly claims?: { readonly store: TargetClaims; readonly owner: string };
}

/** A pass was refused before any decision; `refusal` says why. */
export class PassRefusedError extends IngestError {
  readonly refusal: Refusal;

  constructor(refusal: Refusal) {
    super('SYNC_PASS_REFUSED', refusal.reason);
    this.refusal = refusal;
  }
}

export class JobSafety {
  readonly gate: DeleteGate;
  readonly guard: SourceGuard;
  readonly #deps: JobSafetyDeps;
  #refusal: Refusal | undefined;
  /** The refusal last logged at warn. */
  #warned: Refusal | undefined;
  #renewal: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(deps: JobSafetyDeps) {
    const { job, redis, keyPrefix } = deps;
    this.#deps = deps;
    const holds = new DeleteHolds(redis, keyPrefix, job.name);
    this.gate = new DeleteGate({ ...deps, holds });
    this.guard = new SourceGuard({
      ...deps,
      holds,
      records: new SourceRecords(redis, keyPrefix, job.name),
    });
  }

  /** Why passes are refused now, or undefined. */
  get refusal(): Refusal | undefined {
    return this.#refusal;
  }

  /**
   * Looks at the source root before a pass; throws PassRefusedError when the pass may not run.
   * A refusal is logged at warn when its reason is new, and the end of one at info.
   */
  async beforePass(): Promise<void> {
    const { job, logger } = this.#deps;
    const before = this.#refusal;
    const refusal =
      (await this.#claimTarget(before)) ??
      (await this.guard.check(before?.since ?? Date.now())) ??
      (await this.#preflight(before));
    if (refusal === undefined) {
      this.#refusal = undefined;
      if (before !== undefined) {
        logger.info(`job ${job.name}: passes resume (they were refused: ${before.reason})`, {
          job: job.name,
        });
      }
      return;
    }
    this.#refusal = before?.reason === refusal.reason ? before : { ...refusal, since: Date.now() };
    throw new PassRefusedError(this.#refusal);
  }

  /** The refusal when the job's preflight finds what keeps it from working. */
  async #preflight(before: Refusal | undefined): Promise<Refusal | undefined> {
    const problems = (await this.#deps.preflight?.()) ?? [];
    if (problems.length === 0) return undefined;
    const reason = `preflight failed: ${problems.join('; ')}`;
    return {
      reason,
      since: before?.reason === reason ? before.since : Date.now(),
      acceptable: false,
    };
  }

  /** Stops renewing the claim on the target, and gives it up. */
  async close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#renewal);
    this.#renewal = undefined;
    const { claims, job } = this.#deps;
    await claims?.store.release(job.name, claims.owner).catch(() => undefined);
  }

  /**
   * Claims the job's target among the daemons: the refusal when another job's target equals or
   * nests it. While the job runs, the claim is renewed (a lapse lets the other job claim).
   */
  async #claimTarget(before: Refusal | undefined): Promise<Refusal | undefined> {
    const { claims, job } = this.#deps;
    if (claims === undefined || this.#closed) return undefined;
    const conflict = await claims.store.claim(job.name, job.target, claims.owner);
    if (conflict === undefined) {
      this.#renewal ??= setInterval(() => void this.#renew(), CLAIM_RENEW_MS).unref();
      return undefined;
    }
    const reason = `the target ${job.target} overlaps the target ${conflict.target} of job "${conflict.job}" on daemon ${conflict.owner}; the targets of two jobs may not be equal or nested`;
    return {
      reason,
      since: before?.reason === reason ? before.since : Date.now(),
      acceptable: false,
    };
  }

  async #renew(): Promise<void> {
    const { job, logger } = this.#deps;
    try {
      const refusal = await this.#claimTarget(this.#refusal);
      if (refusal === undefined) return;
      // Another job claimed an overlapping target while ours lapsed: no more passes.
      this.#refusal = refusal;
      logger.warn(`job ${job.name}: ${refusal.reason}`, { job: job.name });
    } catch {
      // Redis is away; the next renewal tries again (the claim lasts three renewals).
    }
  }

  /** Logs a refused pass: at warn when its reason is new, else at info. */
  logRefusal(refusal: Refusal, retryMs: number): void {
    const { job, logger } = this.#deps;
    const first = this.#warned !== refusal;
    this.#warned = refusal;
    const accept = refusal.acceptable
      ? `; if it is the right one, irods-ingestctl allow-deletes ${job.name} accepts it`
      : '';
    const message = `job ${job.name}: pass refused: ${refusal.reason}${accept}; nothing is decided or deleted, checking again in ${Math.round(retryMs / 1000)} s`;
    if (first) logger.warn(message, { job: job.name });
    else logger.info(message, { job: job.name });
  }

  /** What `status` shows of the refusal and the held deletes. */
  async status(): Promise<{
    refused?: { reason: string; since: string };
    heldDeletes?: HeldDeletes;
  }> {
    const held = await this.gate.held();
    const refusal = this.#refusal;
    return {
      ...(refusal === undefined
        ? {}
        : { refused: { reason: refusal.reason, since: new Date(refusal.since).toISOString() } }),
      ...(held === undefined
        ? {}
        : {
            heldDeletes: {
              entries: held.entries,
              paths: held.paths,
              limit: held.limit,
              tracked: held.tracked,
              pass: held.pass,
              since: new Date(held.at).toISOString(),
              by: held.by,
            },
          }),
    };
  }

  /**
   * allow-deletes: releases the held deletes once, or accepts a refused root that is a readable
   * directory with its marker, only not the recorded one. A string says why there is nothing to
   * allow.
   */
  async allowDeletes(): Promise<AllowDeletesResult | string> {
    const { job } = this.#deps;
    if (this.#refusal?.acceptable) {
      const accepted = await this.guard.accept();
      if (accepted !== undefined) {
        this.#refusal = undefined;
        return {
          job: job.name,
          accepted: `${job.source} (device ${accepted.dev}, inode ${accepted.ino})`,
        };
      }
    }
    const released = await this.gate.release();
    if (released !== undefined) {
      return { job: job.name, released: { entries: released.entries, paths: released.paths } };
    }
    if (this.#refusal !== undefined) {
      return `job ${job.name} holds no deletes; its passes are refused: ${this.#refusal.reason}`;
    }
    return `job ${job.name} holds no deletes`;
  }
}
