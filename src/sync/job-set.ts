/**
 * The daemon's running jobs, by name: started, stopped and replaced while the daemon runs (reload,
 * ad-hoc jobs, `stop`). Replacing a job stops its runner first (running batches finish, the rest
 * stays queued in Redis) and starts the new one on the same queue and state, so nothing queued or
 * recorded is lost.
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { JobConfig } from '../config/index.js';
import { TargetClaims, type ClaimConflict } from '../state/index.js';
import { JobRunner, type JobRunnerDeps } from './job-runner.js';

/** What every runner shares; the job, its worker concurrency and target claims are per runner. */
export type SharedRunnerDeps = Omit<JobRunnerDeps, 'job' | 'concurrency' | 'claims'>;

export class JobSet {
  readonly #shared: SharedRunnerDeps;
  readonly #workers: number;
  readonly #graceMs: number;
  readonly #runners = new Map<string, JobRunner>();
  /** Target claims of this daemon's jobs, among every daemon on the Redis. */
  readonly #claims: NonNullable<JobRunnerDeps['claims']>;

  /** `workers` is the daemon's total, split evenly between the jobs it starts with. */
  constructor(shared: SharedRunnerDeps, workers: number, graceMs: number) {
    this.#shared = shared;
    this.#workers = workers;
    this.#graceMs = graceMs;
    this.#claims = {
      store: new TargetClaims(shared.redis, shared.keyPrefix),
      owner: `${hostname()}:${randomUUID().slice(0, 8)}`,
    };
  }

  /**
   * The job of another daemon whose target overlaps `job`'s; undefined when there is none, and
   * `job` then holds the claim on its target (for an ad-hoc job about to start).
   */
  async targetConflict(job: JobConfig): Promise<ClaimConflict | undefined> {
    return this.#claims.store.claim(job.name, job.target, this.#claims.owner);
  }

  get(name: string): JobRunner | undefined {
    return this.#runners.get(name);
  }

  list(): JobRunner[] {
    return [...this.#runners.values()];
  }

  /**
   * Starts the given jobs, each with an even share of the workers counted over all jobs then
   * running. Jobs added later get a share counted the same way; running jobs keep theirs.
   */
  start(jobs: readonly JobConfig[]): void {
    const total = this.#runners.size + jobs.length;
    const concurrency =
      this.#workers === 0 ? 0 : Math.max(1, Math.floor(this.#workers / Math.max(1, total)));
    for (const job of jobs) {
      const runner = new JobRunner({ ...this.#shared, job, concurrency, claims: this.#claims });
      this.#runners.set(job.name, runner);
      runner.start();
    }
  }

  /**
   * Stops and removes a job; its queue and state stay in Redis. Its running batches get
   * `graceMs` (the daemon's grace period unless said otherwise) to finish.
   */
  async stop(name: string, graceMs = this.#graceMs): Promise<boolean> {
    const runner = this.#runners.get(name);
    if (runner === undefined) return false;
    this.#runners.delete(name);
    await runner.stop(graceMs);
    this.#shared.metrics.forgetJob(name);
    return true;
  }

  async replace(job: JobConfig): Promise<void> {
    await this.stop(job.name);
    this.start([job]);
  }

  async stopAll(graceMs = this.#graceMs): Promise<void> {
    await Promise.all(this.list().map((runner) => this.stop(runner.name, graceMs)));
  }
}
