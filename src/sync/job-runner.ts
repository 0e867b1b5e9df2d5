/**
 * Runs one ingest job: its queue, its embedded workers, and (unless this daemon is a worker
 * only) its passes: one after start, then one every `rescan_interval`; a job whose interval is
 * "0" makes one pass and is then done. Each pass ends with one summary line at info.
 *
 * Watching (`watch`, periodic jobs only) runs beside the passes (job-watch.ts). The watcher
 * starts before the first pass when an earlier pass counted the tree's directories (its inotify
 * budget), else right after the first pass, which is then followed by a catch-up pass for what
 * changed before the watcher was up. Rescans come on the timer, on request (`rescan()`: the
 * control socket, a watcher error, an event-loop stall, a Redis reconnect); a request during a
 * pass makes another pass follow it at once. What the loop does next is decided from its flags
 * by src/core/pass-loop.ts.
 *
 * The workers and whatever acts on iRODS come from src/worker/ through `deps.actions`
 * (job-actions.ts): this folder schedules passes and feeds the queue.
 *
 * Lifecycle: start() → stop() (memoised): the pass loop stops scanning at once; the workers let
 * their running batches finish (BullMQ close); those still running after `graceMs` are left
 * behind, to be taken again from the queue later (nothing half-done is recorded).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { addInto, zeroCounts } from '../core/counters.js';
import { SETTLED, settleWithin } from '../core/deadline.js';
import {
  JOB_STATES,
  type AllowDeletesResult,
  type JobState,
  type JobStatus,
  type PassFailure,
} from '../core/job-status.js';
import {
  nextPassStep,
  PASS_ENDS,
  PASS_STEPS,
  wakesAtOnce,
  type PassEnd,
  type PassLoopFlags,
} from '../core/pass-loop.js';
import { RateMeter } from '../core/rate-meter.js';
import { backoffDelay } from '../core/retry.js';
import { messageOf } from '../errors.js';
import { JobRegistry, type FailurePage } from '../state/index.js';
import {
  announcePass,
  doneEarlier,
  failedPassDelay,
  logProgress,
  passFailureAfter,
  reportPass,
  requeueFailures,
  RETRY_BACKOFF,
  settingsDigest,
} from './job-pass.js';
import { closeJobParts, openJobParts, type JobParts, type JobRunnerDeps } from './job-parts.js';
import { jobSample, jobStatus } from './job-status.js';
import { scanAndQueue } from './pass.js';
import { afterPass, beforePass } from './pass-hooks.js';

export type { JobRunnerDeps } from './job-parts.js';

/** The longest delay a Node timer takes (a longer one fires at once). */
const MAX_TIMER_MS = 2 ** 31 - 1;

export class JobRunner {
  readonly name: string;
  #state: JobState = JOB_STATES.idle;
  readonly #deps: JobRunnerDeps;
  readonly #parts: JobParts;
  #passLoop: Promise<void> | undefined;
  /** No more passes or watching: set by stop() and drain(). */
  #stopping = false;
  /** stop() was called: the workers close too. */
  #closing = false;
  #stopped: Promise<void> | undefined;
  /** Aborted to cut an idle wait short (a rescan request, resume, stop). */
  #wake = new AbortController();
  #paused = false;
  #rescanRequested = false;
  /** The next pass starts by dropping the recorded state (resync). */
  #resyncRequested = false;
  /** Why the next pass runs before its time (the first request's reason). */
  #rescanReason: string | undefined;
  #pass = 0;
  #nextRescanAt: number | undefined;
  #passFailure: PassFailure | undefined;
  /** Counters of the passes this daemon completed, for the totals in status. */
  readonly #completed = zeroCounts();
  readonly #rate = new RateMeter(60_000);

  constructor(deps: JobRunnerDeps) {
    this.name = deps.job.name;
    this.#deps = deps;
    this.#parts = openJobParts(deps, {
      stopping: () => this.#stopping,
      paused: () => this.#paused,
      pass: () => this.#pass,
      rescan: (why) => this.rescan(why),
    });
    deps.metrics.addJob(this.name);
    deps.metrics.onScrape(this.name, () =>
      jobSample(deps, this.#parts, {
        watches: () => this.#parts.watch?.status().watches ?? 0,
        failedPasses: () => this.#passFailure?.attempts ?? 0,
      }),
    );
  }

  get state(): JobState {
    return this.#paused && this.#state !== JOB_STATES.stopped ? JOB_STATES.paused : this.#state;
  }

  /** Batches this daemon's workers run now (for the heartbeat, `irods-ingestctl workers`). */
  get batchesInFlight(): number {
    return this.#parts.workers.batchesInFlight;
  }

  /** Whether a watcher is running for this job. */
  get watching(): boolean {
    return this.#parts.watch?.active ?? false;
  }

  /**
   * Asks for a pass now: at once when idle (a one-pass job that is done makes one more), right
   * after the running pass otherwise. While paused it waits for resume.
   */
  rescan(why: string): void {
    if (this.#stopping || !this.#deps.scans) return;
    if (!this.#rescanRequested) {
      this.#deps.logger.info(`job ${this.name}: rescan requested: ${why}`, { job: this.name });
      this.#rescanReason = why;
    } else {
      this.#deps.logger.debug(`job ${this.name}: rescan requested again: ${why}`, {
        job: this.name,
      });
    }
    this.#rescanRequested = true;
    this.#wake.abort();
  }

  /**
   * Drops the job's recorded state and passes again (upstream's `--ignore_cache`): every file is
   * then compared with iRODS, adopted when it matches, sent when not. Dropping the state also
   * drops what the job knew to delete: objects of files gone meanwhile stay, the safe side.
   */
  resync(): void {
    if (this.#stopping || !this.#deps.scans) return;
    this.#resyncRequested = true;
    this.rescan('resync requested: recorded state is dropped and every file checked against iRODS');
  }

  /** No new passes and no watcher events are acted on; running batches finish. */
  async pause(): Promise<void> {
    if (this.#paused || this.#stopping) return;
    this.#paused = true;
    await this.#parts.workers.pause();
    this.#deps.logger.info(`job ${this.name}: paused`, { job: this.name });
    this.#deps.events.publish('job-state', `job ${this.name} paused`, { job: this.name });
  }

  /** Ends a pause with a rescan, which catches up on what changed meanwhile. */
  resume(): void {
    if (!this.#paused) return;
    this.#paused = false;
    this.#parts.workers.resume();
    this.#deps.logger.info(`job ${this.name}: resumed`, { job: this.name });
    this.#deps.events.publish('job-state', `job ${this.name} resumed`, { job: this.name });
    this.rescan('resumed');
  }

  /** Queues every file on the failure list again; returns how many. */
  retryFailures(): Promise<number> {
    const { queue, stores } = this.#parts;
    return requeueFailures(
      this.#deps.job,
      stores.failures,
      queue,
      this.#pass,
      () => this.#stopping,
    );
  }

  /**
   * Releases the held deletes once, or accepts a refused source root (a pass follows); a string
   * says why there is nothing to allow.
   */
  async allowDeletes(): Promise<AllowDeletesResult | string> {
    const result = await this.#parts.safety.allowDeletes();
    if (typeof result !== 'string' && result.accepted !== undefined) {
      this.rescan('allow-deletes accepted the source root');
    }
    return result;
  }

  /** One page of the failure list (FailureStore.list). */
  failures(limit: number, cursor: string): Promise<FailurePage> {
    return this.#parts.stores.failures.list(limit, cursor);
  }

  status(): Promise<JobStatus> {
    return jobStatus({
      job: this.#deps.job,
      records: this.#parts.stores.records,
      queue: this.#parts.queue,
      failures: this.#parts.stores.failures,
      safety: this.#parts.safety,
      rate: this.#rate,
      completed: this.#completed,
      state: () => this.state,
      nextRescanAt: () => this.#nextRescanAt,
      passFailure: () => this.#passFailure,
      watcher: () => this.#parts.watch?.status(),
      workersHeld: () => this.#parts.workers.held,
    });
  }

  start(): void {
    // A scanning daemon first makes sure the recorded state is the job's, so that no batch left
    // from another source or target runs against it.
    if (this.#deps.scans) this.#passLoop = this.#runPasses();
    else this.#startWorkers();
  }

  #startWorkers(): void {
    if (!this.#closing) this.#parts.workers.start();
  }

  /** Claims the recorded state for the job's source and target, trying again while it fails. */
  async #claimPair(): Promise<boolean> {
    for (let failures = 1; !this.#stopping; failures++) {
      try {
        await this.#parts.safety.guard.claimPair();
        // Listed from now on, so that status names it should it stay in Redis once removed.
        await new JobRegistry(this.#deps.redis, this.#deps.keyPrefix).add(this.name);
        return true;
      } catch (error) {
        const delay = backoffDelay(failures, RETRY_BACKOFF, Math.random());
        this.#deps.logger.error(
          `job ${this.name}: reading its recorded source and target failed: ${messageOf(error)}; next try in ${Math.round(delay / 1000)} s`,
          { job: this.name },
        );
        await this.#idle(delay);
      }
    }
    return false;
  }

  /**
   * Stops passing and watching, then waits until the job's queue is empty (its workers keep
   * working); stop() afterwards closes the workers. Resolves early if stop() comes first.
   */
  async drain(): Promise<void> {
    this.#stopping = true;
    this.#wake.abort();
    await this.#parts.watch?.close();
    await this.#passLoop?.catch(() => undefined);
    // A worker that never started (stopped before the job claimed its state) empties nothing.
    await this.#parts.queue.drained(() => this.#closing || this.#parts.workers.unstarted);
  }

  /**
   * Stops the job: no more passes or watching, and its workers take no new batch. Running batches
   * get `graceMs` to finish (BullMQ's close waits for them); those still running then are left
   * behind: the worker's connections are cut, nothing half-done is recorded, and the queue hands
   * the batches out again once their locks lapse. The stop ends within about graceMs + 2 ×
   * CLOSE_MS (queue/closing.ts) whatever the state of Redis, whose commands would otherwise wait for a reconnect.
   */
  stop(graceMs: number): Promise<void> {
    this.#stopped ??= (async () => {
      this.#closing = true;
      this.#stopping = true;
      this.#wake.abort();
      const graceEnds = performance.now() + graceMs;
      const graceLeft = () => Math.max(0, graceEnds - performance.now());
      const scanning = Promise.all([this.#parts.watch?.close(), this.#passLoop]).catch(
        () => undefined,
      );
      if ((await settleWithin(scanning, graceLeft())) === SETTLED.late) {
        this.#deps.logger.warn(`job ${this.name}: the pass did not stop in time; left behind`);
      }
      await closeJobParts(this.#parts, graceLeft(), this.#deps.logger);
      if (this.#state !== JOB_STATES.done && this.#state !== JOB_STATES.failed) {
        this.#state = JOB_STATES.stopped;
      }
    })();
    return this.#stopped;
  }

  #flags(ended?: PassEnd): PassLoopFlags {
    return {
      stopping: this.#stopping,
      paused: this.#paused,
      rescanRequested: this.#rescanRequested,
      done: this.#state === JOB_STATES.done,
      oneShot: this.#deps.job.rescan_interval === 0,
      ...(ended === undefined ? {} : { ended }),
    };
  }

  /**
   * Passes until stopped. A one-pass job is done after one complete pass, also across restarts
   * (the record of its last pass names the job settings it ran with), and passes again only on
   * request. A pass that fails (iRODS or Redis unreachable, the source unreadable) is logged and
   * tried again with backoff: the daemon outlives outages of what it depends on.
   */
  async #runPasses(): Promise<void> {
    const { job, logger } = this.#deps;
    if (!(await this.#claimPair())) return;
    this.#startWorkers();
    const record = await this.#parts.stores.records.read().catch(() => undefined);
    if (record?.directories !== undefined) await this.#startWatching(record.directories);
    if (doneEarlier(job, record, logger)) this.#state = JOB_STATES.done;
    for (let failures = 0; ;) {
      const step = nextPassStep(this.#flags());
      if (step === PASS_STEPS.stop) break;
      if (step === PASS_STEPS.wait) {
        await this.#idle(MAX_TIMER_MS);
        continue;
      }
      this.#rescanRequested = false;
      const reason = this.#rescanReason;
      this.#rescanReason = undefined;
      let ended: PassEnd;
      try {
        ended = await this.#runPass(reason);
        failures = 0;
        this.#passFailure = undefined;
      } catch (error) {
        failures += 1;
        this.#state = JOB_STATES.failed;
        this.#passFailure = passFailureAfter(this.#passFailure, error, new Date());
        const delay = failedPassDelay(this.#deps, this.#parts.safety, error, failures);
        this.#nextRescanAt = Date.now() + delay;
        await this.#idle(delay);
        continue;
      }
      const next = nextPassStep(this.#flags(ended));
      if (next === PASS_STEPS.stop) break;
      if (next === PASS_STEPS.done) {
        this.#state = JOB_STATES.done;
        continue;
      }
      this.#state = JOB_STATES.idle;
      if (next === PASS_STEPS.again) continue;
      this.#nextRescanAt = Date.now() + job.rescan_interval;
      await this.#idle(Math.min(job.rescan_interval, MAX_TIMER_MS));
    }
  }

  async #startWatching(directories: number): Promise<void> {
    try {
      await this.#parts.watch?.start(directories);
    } catch (error) {
      this.#deps.logger.warn(`job ${this.name}: the watcher did not start: ${messageOf(error)}`, {
        job: this.name,
      });
    }
  }

  /**
   * One pass (`reason`: why it runs before its time): complete, or cut short by stop(). The
   * first complete pass of a watching job starts its watcher; what changed between the pass's
   * listing and the watcher being up was seen by neither, so a catch-up pass follows.
   */
  async #runPass(reason: string | undefined): Promise<PassEnd> {
    const { job, logger, handlers } = this.#deps;
    const { records, states } = this.#parts.stores;
    // Before any decision: a source that is not the recorded one is refused.
    await this.#parts.safety.beforePass();
    if (this.#resyncRequested) {
      await states.forgetAll();
      this.#resyncRequested = false;
    }
    this.#state = JOB_STATES.running;
    const pass = await records.startPass();
    this.#pass = pass;
    await this.#parts.safety.gate.beginPass(pass);
    announcePass(this.#deps, pass, reason);
    await beforePass(job, handlers, pass, zeroCounts(), logger);
    await this.#deps.actions.ensureTarget(job, handlers, logger);
    const progress = logProgress(this.name, pass, records, this.#parts.queue, logger);
    let directories: number;
    try {
      ({ directories } = await scanAndQueue(this.#parts.passCtx, pass));
    } finally {
      clearInterval(progress);
    }
    if (this.#stopping) return PASS_ENDS.cutShort;
    const record = await records.endPass(directories, settingsDigest(job));
    // Before the summary: whoever waits for the pass to be done sees its postPass done too.
    await afterPass(job, handlers, pass, record.counts, logger);
    addInto(this.#completed, record.counts);
    reportPass(this.#deps, pass, record);
    if (this.#parts.watch !== undefined && !this.#parts.watch.active) {
      const catchUp = !this.#rescanRequested;
      await this.#startWatching(directories);
      if (catchUp && this.#parts.watch.active) this.#rescanRequested = true;
    }
    return PASS_ENDS.complete;
  }

  /** Waits `ms`, or less when the job is stopped, resumed or asked to rescan. */
  async #idle(ms: number): Promise<void> {
    if (this.#stopping) return;
    if (this.#wake.signal.aborted) this.#wake = new AbortController();
    if (wakesAtOnce(this.#flags())) return;
    await sleep(ms, undefined, { signal: this.#wake.signal }).catch(() => undefined);
    if (!this.#stopping) this.#wake = new AbortController();
  }
}
