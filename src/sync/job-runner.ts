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
 * pass makes another pass follow it at once.
 *
 * Lifecycle: start() → stop() (memoised): the pass loop stops scanning at once; the workers let
 * their running batches finish (BullMQ close); those still running after `graceMs` are left
 * behind, to be taken again from the queue later (nothing half-done is recorded).
 */
import { createHash, randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Worker, type Job } from 'bullmq';
import { messageOf } from '../errors.js';
import type { JobConfig } from '../config/index.js';
import { excludeGlobs } from '../core/job-rules.js';
import { formatPassSummary } from '../core/pass-summary.js';
import { SETTLED, settleWithin } from '../core/deadline.js';
import { backoffDelay } from '../core/retry.js';
import type { HandlerLookup } from '../handlers/registry.js';
import type { IrodsClient } from '../irods/index.js';
import type { Logger } from '../log.js';
import type { EventHub } from '../control/events.js';
import type { Metrics } from '../metrics/index.js';
import { BATCH_KINDS, batchesFor, type BatchPayload } from '../queue/payload.js';
import { JobQueue, queueName, WORKER_LOCK_OPTIONS } from '../queue/queue.js';
import {
  type FailurePage,
  FailureStore,
  FileLocks,
  FileSettlement,
  FileStateStore,
  JobRecords,
  JobRegistry,
  queuePrefix,
  releaseBullConnection,
  type BullConnection,
  type RedisClient,
  type RedisConnector,
  type TargetClaims,
  WriteHandles,
} from '../state/index.js';
import { openJobSource, type JobSource } from '../sources/index.js';
import { processBatch, type BatchDeps } from './batch.js';
import {
  JOB_STATES,
  type AllowDeletesResult,
  type Counts,
  type JobState,
  type JobStatus,
} from '../control/wire.js';
import type { WatcherFactory } from '../sources/watcher.js';
import { CLOSE_MS, closeQueue, closeWorker } from './closing.js';
import { JobSafety, PassRefusedError } from './job-safety.js';
import { JobWatch } from './job-watch.js';
import { preflight } from './preflight.js';
import { scanAndQueue, type PassContext } from './pass.js';
import { afterPass, beforePass, ensureTarget, passOperations } from './pass-hooks.js';
import { RateMeter } from '../core/rate-meter.js';

export interface JobRunnerDeps {
  readonly job: JobConfig;
  readonly redis: RedisClient;
  /** Builds the connections of the job's queue and workers. */
  readonly connector: RedisConnector;
  /** The prefix of every key (RedisConnector.keyPrefix). */
  readonly keyPrefix: string;
  readonly client: IrodsClient;
  readonly logger: Logger;
  /** Concurrent batches of this job's embedded workers; 0 = none. */
  readonly concurrency: number;
  /** Run passes (role "all"), or only work the queue (role "worker"). */
  readonly scans: boolean;
  readonly metrics: Metrics;
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

/** Retries of busy files wait this long: the file's current batch is usually done by then. */
const BUSY_RETRY_MS = 2_000;
const RETRY_BACKOFF = { baseMs: 2_000, maxMs: 5 * 60_000 };
/** A refused pass is tried again after the rescan interval, but at least this often. */
const REFUSED_RETRY_MAX_MS = 60_000;
const PROGRESS_EVERY_MS = 5_000;
/** The longest delay a Node timer takes (a longer one fires at once). */
const MAX_TIMER_MS = 2 ** 31 - 1;

export class JobRunner {
  readonly name: string;
  #state: JobState = JOB_STATES.idle;
  readonly #deps: JobRunnerDeps;
  readonly #queue: JobQueue;
  readonly #records: JobRecords;
  readonly #batchDeps: Omit<BatchDeps, 'owner'>;
  readonly #passCtx: PassContext;
  #worker: Worker<BatchPayload> | undefined;
  /** The connection #worker was given (RedisConnector.bullConnection). */
  #workerConnection: BullConnection | undefined;
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
  /** Counters of the passes this daemon completed, for the totals in status. */
  readonly #completed: Counts = zeroCounts();
  readonly #rate = new RateMeter(60_000);
  readonly #failures: FailureStore;
  readonly #watch: JobWatch | undefined;
  readonly #safety: JobSafety;
  /** Files in the batches this daemon's workers run now. */
  #inFlightFiles = 0;
  #inFlightBatches = 0;
  readonly #source: JobSource;

  constructor(deps: JobRunnerDeps) {
    const { job, redis, keyPrefix } = deps;
    this.name = job.name;
    this.#deps = deps;
    this.#queue = new JobQueue(job.name, deps.connector, queuePrefix(keyPrefix), (error) =>
      deps.logger.warn(`job ${job.name}: queue connection: ${error.message}`),
    );
    this.#records = new JobRecords(redis, keyPrefix, job.name);
    const states = new FileStateStore(redis, keyPrefix, job.name);
    const failures = new FailureStore(redis, keyPrefix, job.name);
    const locks = new FileLocks(redis, keyPrefix, job.name);
    this.#failures = failures;
    this.#source = openJobSource(job, {
      credentialsDirectory: deps.credentialsDirectory,
      log: deps.logger,
    });
    const source = this.#source;
    this.#safety = new JobSafety({
      look: (marker) => source.look(marker),
      job,
      redis,
      keyPrefix,
      states,
      failures,
      queue: this.#queue,
      logger: deps.logger,
      stopped: () => this.#stopping,
      preflight: () => preflight(job, deps.client),
      ...(deps.claims && deps.scans ? { claims: deps.claims } : {}),
    });
    this.#batchDeps = {
      job,
      client: deps.client,
      states,
      failures,
      records: this.#records,
      locks,
      settlement: new FileSettlement(redis, keyPrefix, job.name),
      handles: new WriteHandles(redis, keyPrefix, job.name),
      logger: deps.logger,
      metrics: deps.metrics,
      stats: source.stats,
      ...(source.files === undefined ? {} : { files: source.files }),
      deletesRefused: () => this.#safety.guard.deletesRefused(),
      rescan: (why) => this.rescan(why),
      ...(deps.handlers === undefined ? {} : { handlers: deps.handlers }),
    };
    deps.metrics.addJob(job.name);
    deps.metrics.onScrape(job.name, async () => {
      // Asked while Redis is away, these would wait for the reconnect; the scrape must not.
      if (redis.status !== 'ready') throw new Error('Redis is not connected');
      const c = await this.#queue.queue.getJobCounts('waiting', 'prioritized', 'active', 'delayed');
      deps.metrics.setWatches(job.name, this.#watch?.status().watches ?? 0);
      return {
        queue: { waiting: c.waiting! + c.prioritized!, active: c.active!, delayed: c.delayed! },
        inFlightFiles: this.#inFlightFiles,
        failures: await failures.count(),
        refused: this.#safety.refusal !== undefined,
        heldDeletes: (await this.#safety.gate.held())?.entries ?? 0,
      };
    });
    this.#passCtx = {
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
      records: this.#records,
      queue: this.#queue,
      deletes: this.#safety.gate,
      stopped: () => this.#stopping,
      operationOf: passOperations(job, deps.handlers),
      watcherDecides: (path) => this.#watch?.decides(path) ?? false,
      recorded: (outcome, count) => deps.metrics.fileOutcome(job.name, outcome, count),
    };
    if (deps.scans && job.watch !== false && job.rescan_interval !== 0) {
      this.#watch = new JobWatch({
        job,
        client: deps.client,
        states,
        failures,
        locks,
        queue: this.#queue,
        logger: deps.logger,
        pass: () => this.#pass,
        rescan: (why) => this.rescan(why),
        // While the source is refused, what the watcher sees of it is not acted on either.
        paused: () => this.#paused || this.#safety.refusal !== undefined,
        deletes: this.#safety.gate,
        ...(deps.watcherFactory ? { factory: deps.watcherFactory } : {}),
      });
    }
  }

  get state(): JobState {
    return this.#paused && this.#state !== JOB_STATES.stopped ? JOB_STATES.paused : this.#state;
  }

  /** Batches this daemon's workers run now (for the heartbeat, `irods-ingestctl workers`). */
  get batchesInFlight(): number {
    return this.#inFlightBatches;
  }

  /** Whether a watcher is running for this job. */
  get watching(): boolean {
    return this.#watch?.active ?? false;
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
    await this.#worker?.pause();
    this.#deps.logger.info(`job ${this.name}: paused`, { job: this.name });
    this.#deps.events.publish('job-state', `job ${this.name} paused`, { job: this.name });
  }

  /** Ends a pause with a rescan, which catches up on what changed meanwhile. */
  resume(): void {
    if (!this.#paused) return;
    this.#paused = false;
    void this.#worker?.resume();
    this.#deps.logger.info(`job ${this.name}: resumed`, { job: this.name });
    this.#deps.events.publish('job-state', `job ${this.name} resumed`, { job: this.name });
    this.rescan('resumed');
  }

  /** Queues every file on the failure list again; returns how many. */
  async retryFailures(): Promise<number> {
    const { job } = this.#deps;
    const sync: string[] = [];
    const deletes: string[] = [];
    for await (const failure of this.#failures.all()) {
      (failure.operation.startsWith('delete') ? deletes : sync).push(failure.relPath);
    }
    const owner = { name: job.name, filesPerTask: job.files_per_task };
    // The failure records stay until the retried files succeed (or fail again, replacing them).
    await this.#queue.add(
      [
        ...batchesFor(BATCH_KINDS.sync, owner, this.#pass, sync),
        ...batchesFor(BATCH_KINDS.delete, owner, this.#pass, deletes),
      ],
      () => this.#stopping,
    );
    return sync.length + deletes.length;
  }

  /**
   * Releases the held deletes once, or accepts a refused source root (a pass follows); a string
   * says why there is nothing to allow.
   */
  async allowDeletes(): Promise<AllowDeletesResult | string> {
    const result = await this.#safety.allowDeletes();
    if (typeof result !== 'string' && result.accepted !== undefined) {
      this.rescan('allow-deletes accepted the source root');
    }
    return result;
  }

  /** One page of the failure list (FailureStore.list). */
  failures(limit: number, cursor: string): Promise<FailurePage> {
    return this.#failures.list(limit, cursor);
  }

  async status(): Promise<JobStatus> {
    const { job } = this.#deps;
    const record = await this.#records.read();
    const [queued, failures] = await Promise.all([
      this.#queue.outstanding(),
      this.#failures.count(),
    ]);
    const current = { ...record.counts };
    const running = record.endedAt === undefined && record.pass > 0;
    const total = addCounts(this.#completed, running ? current : zeroCounts());
    const done = current.new + current.updated + current.deleted;
    const rate = this.#rate.sample(Date.now(), record.pass, done, current.bytes);
    const iso = (ms: number | undefined) =>
      ms === undefined ? undefined : new Date(ms).toISOString();
    return {
      name: job.name,
      source: job.source,
      target: job.target,
      operation: job.operation,
      state: this.state,
      pass: record.pass,
      current,
      total,
      queued,
      failures,
      rate,
      ...optional('passStartedAt', iso(record.startedAt)),
      ...optional('passEndedAt', iso(record.endedAt)),
      ...optional(
        'nextRescanAt',
        this.state === JOB_STATES.idle ? iso(this.#nextRescanAt) : undefined,
      ),
      watcher: this.#watch?.status() ?? { state: 'off', watches: 0 },
      ...(await this.#safety.status()),
      progress: {
        filesKnown: record.queued.files,
        filesDone: done + current.failed,
        bytesKnown: record.queued.bytes,
        bytesDone: current.bytes,
        scanComplete: record.scanned,
      },
    };
  }

  start(): void {
    // A scanning daemon first makes sure the recorded state is the job's, so that no batch left
    // from another source or target runs against it.
    if (this.#deps.scans) this.#passLoop = this.#runPasses();
    else this.#startWorker();
  }

  #startWorker(): void {
    if (this.#deps.concurrency === 0 || this.#closing) return;
    this.#workerConnection = this.#deps.connector.bullConnection();
    this.#worker = new Worker<BatchPayload>(
      queueName(this.name),
      (bullJob) => this.#runBatch(bullJob),
      {
        connection: this.#workerConnection,
        prefix: queuePrefix(this.#deps.keyPrefix),
        concurrency: this.#deps.concurrency,
        ...WORKER_LOCK_OPTIONS,
      },
    );
    this.#worker.on('failed', (bullJob, error) =>
      this.#deps.logger.warn(
        `job ${this.name}: a batch failed and will be tried again: ${error.message}`,
        {
          batch: bullJob?.id,
        },
      ),
    );
    this.#worker.on('error', (error) =>
      this.#deps.logger.error(`job ${this.name}: queue worker error: ${error.message}`),
    );
  }

  /** Claims the recorded state for the job's source and target, trying again while it fails. */
  async #claimPair(): Promise<boolean> {
    for (let failures = 1; !this.#stopping; failures++) {
      try {
        await this.#safety.guard.claimPair();
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
    await this.#watch?.close();
    await this.#passLoop?.catch(() => undefined);
    // A worker that never started (stopped before the job claimed its state) empties nothing.
    const unworked = () => this.#deps.concurrency > 0 && this.#worker === undefined;
    await this.#queue.drained(() => this.#closing || unworked());
  }

  /**
   * Stops the job: no more passes or watching, and its workers take no new batch. Running batches
   * get `graceMs` to finish (BullMQ's close waits for them); those still running then are left
   * behind: the worker's connections are cut, nothing half-done is recorded, and the queue hands
   * the batches out again once their locks lapse. The stop ends within about graceMs + 2 ×
   * CLOSE_MS whatever the state of Redis, whose commands would otherwise wait for a reconnect.
   */
  stop(graceMs: number): Promise<void> {
    this.#stopped ??= (async () => {
      this.#closing = true;
      this.#stopping = true;
      this.#wake.abort();
      const graceEnds = Date.now() + graceMs;
      const graceLeft = () => Math.max(0, graceEnds - Date.now());
      const scanning = Promise.all([this.#watch?.close(), this.#passLoop]).catch(() => undefined);
      if ((await settleWithin(scanning, graceLeft())) === SETTLED.late) {
        this.#deps.logger.warn(`job ${this.name}: the pass did not stop in time; left behind`);
      }
      if (this.#worker && !(await closeWorker(this.#worker, graceLeft()))) {
        this.#deps.logger.warn(
          `job ${this.name}: batches still running after the grace period are left to run again later (nothing half-done is recorded)`,
          { job: this.name },
        );
      }
      if (this.#workerConnection) releaseBullConnection(this.#workerConnection);
      await closeQueue(this.#queue);
      await settleWithin(this.#source.close(), CLOSE_MS).catch(() => undefined);
      await settleWithin(this.#safety.close(), CLOSE_MS).catch(() => undefined);
      if (this.#state !== JOB_STATES.done && this.#state !== JOB_STATES.failed) {
        this.#state = JOB_STATES.stopped;
      }
    })();
    return this.#stopped;
  }

  async #runBatch(bullJob: Job<BatchPayload>): Promise<void> {
    const batch = bullJob.data;
    const owner = `${bullJob.id ?? 'batch'}:${randomUUID()}`;
    this.#inFlightFiles += batch.paths.length;
    this.#inFlightBatches += 1;
    let result;
    try {
      result = await processBatch({ ...this.#batchDeps, owner }, batch);
    } finally {
      this.#inFlightFiles -= batch.paths.length;
      this.#inFlightBatches -= 1;
    }
    const { retry, retryDelays, busy } = result;
    if (retry.length > 0) {
      const { retry_delay: baseMs, retry_max_delay: maxMs } = this.#batchDeps.job;
      const backoff = backoffDelay(batch.attempt, { baseMs, maxMs }, Math.random());
      // Files whose handler chose their delay wait that long; the others back off together.
      const byDelay = new Map<number, string[]>();
      for (const path of retry) {
        const delay = retryDelays?.get(path) ?? backoff;
        byDelay.set(delay, [...(byDelay.get(delay) ?? []), path]);
      }
      for (const [delay, paths] of byDelay) {
        await this.#queue.retry({ ...batch, paths, attempt: batch.attempt + 1 }, delay);
      }
    }
    if (busy.length > 0) await this.#queue.retry({ ...batch, paths: busy }, BUSY_RETRY_MS);
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
    this.#startWorker();
    const record = await this.#records.read().catch(() => undefined);
    if (record?.directories !== undefined) await this.#startWatching(record.directories);
    if (job.rescan_interval === 0 && record?.endedAt !== undefined) {
      if (record.settings === settingsDigest(job)) {
        this.#state = JOB_STATES.done;
        logger.info(
          `job ${job.name} is done: pass ${record.pass} completed in an earlier run (irods-ingestctl rescan ${job.name} passes again)`,
          { job: job.name },
        );
      }
    }
    for (let failures = 0; !this.#stopping;) {
      if (this.#state === JOB_STATES.done && !this.#rescanRequested) {
        await this.#idle(MAX_TIMER_MS);
        continue;
      }
      if (this.#paused) {
        await this.#idle(MAX_TIMER_MS);
        continue;
      }
      this.#rescanRequested = false;
      const reason = this.#rescanReason;
      this.#rescanReason = undefined;
      let directories: number | undefined;
      try {
        directories = await this.#runPass(reason);
        failures = 0;
      } catch (error) {
        failures += 1;
        this.#state = JOB_STATES.failed;
        if (error instanceof PassRefusedError) {
          const delay = Math.min(job.rescan_interval || REFUSED_RETRY_MAX_MS, REFUSED_RETRY_MAX_MS);
          this.#safety.logRefusal(error.refusal, delay);
          await this.#idle(delay);
          continue;
        }
        const delay = backoffDelay(failures, RETRY_BACKOFF, Math.random());
        logger.error(
          `job ${job.name}: the pass failed: ${messageOf(error)}; next try in ${Math.round(delay / 1000)} s`,
          { job: job.name },
        );
        await this.#idle(delay);
        continue;
      }
      if (directories === undefined) break;
      if (job.rescan_interval === 0) {
        this.#state = JOB_STATES.done;
        continue;
      }
      if (this.#watch !== undefined && !this.#watch.active) {
        const started = !this.#rescanRequested;
        await this.#startWatching(directories);
        // What changed between this pass's listing and the watcher being up was seen by neither.
        if (started && this.#watch.active) this.#rescanRequested = true;
      }
      this.#state = JOB_STATES.idle;
      if (this.#rescanRequested) continue;
      this.#nextRescanAt = Date.now() + job.rescan_interval;
      await this.#idle(Math.min(job.rescan_interval, MAX_TIMER_MS));
    }
  }

  async #startWatching(directories: number): Promise<void> {
    try {
      await this.#watch?.start(directories);
    } catch (error) {
      this.#deps.logger.warn(`job ${this.name}: the watcher did not start: ${messageOf(error)}`, {
        job: this.name,
      });
    }
  }

  /**
   * One pass (`reason`: why it runs before its time); the directories it listed, or undefined
   * when it was cut short by stop().
   */
  async #runPass(reason: string | undefined): Promise<number | undefined> {
    const { job, logger } = this.#deps;
    // Before any decision: a source that is not the recorded one is refused.
    await this.#safety.beforePass();
    if (this.#resyncRequested) {
      await this.#batchDeps.states.forgetAll();
      this.#resyncRequested = false;
    }
    this.#state = JOB_STATES.running;
    const pass = await this.#records.startPass();
    this.#pass = pass;
    await this.#safety.gate.beginPass(pass);
    const why = reason === undefined ? '' : `; rescan: ${reason}`;
    const started = `job ${job.name} pass ${pass} started: ${job.source} → ${job.target} (${job.operation}${why})`;
    logger.info(started);
    this.#deps.events.publish('pass-started', started, { job: job.name, data: { pass } });
    await beforePass(job, this.#deps.handlers, pass, zeroCounts(), logger);
    await ensureTarget(job, this.#deps.handlers, this.#deps.client, logger);
    const progress = setInterval(() => void this.#logProgress(pass), PROGRESS_EVERY_MS);
    let directories: number;
    try {
      ({ directories } = await scanAndQueue(this.#passCtx, pass));
    } finally {
      clearInterval(progress);
    }
    if (this.#stopping) return undefined;
    const record = await this.#records.endPass(directories, settingsDigest(job));
    // Before the summary: whoever waits for the pass to be done sees its postPass done too.
    await afterPass(job, this.#deps.handlers, pass, record.counts, logger);
    addInto(this.#completed, record.counts);
    const endedAt = record.endedAt ?? Date.now();
    const durationMs = endedAt - (record.startedAt ?? endedAt);
    this.#deps.metrics.passDone(job.name, pass, durationMs / 1000, endedAt);
    const summary = formatPassSummary(job.name, pass, { ...record.counts, durationMs });
    logger.info(summary, { job: job.name, pass, ...record.counts, durationMs });
    this.#deps.events.publish('pass-done', summary, {
      job: job.name,
      data: { pass, ...record.counts, durationMs },
    });
    return directories;
  }

  /** Waits `ms`, or less when the job is stopped, resumed or asked to rescan. */
  async #idle(ms: number): Promise<void> {
    if (this.#stopping) return;
    if (this.#wake.signal.aborted) this.#wake = new AbortController();
    if (this.#rescanRequested && !this.#paused) return;
    await sleep(ms, undefined, { signal: this.#wake.signal }).catch(() => undefined);
    if (!this.#stopping) this.#wake = new AbortController();
  }

  async #logProgress(pass: number): Promise<void> {
    try {
      const { counts } = await this.#records.read();
      const queued = await this.#queue.outstanding();
      this.#deps.logger.info(
        `job ${this.name} pass ${pass}: ${counts.seen} seen, ${counts.new} new, ${counts.updated} updated, ${counts.deleted} deleted, ${counts.failed} failed, ${queued} batches queued`,
        { job: this.name, pass, ...counts, queued },
      );
    } catch {
      // Progress is best effort; the pass itself reports failures.
    }
  }
}

function zeroCounts(): Counts {
  return {
    seen: 0,
    new: 0,
    updated: 0,
    deleted: 0,
    excluded: 0,
    failed: 0,
    bytes: 0,
    adopted: 0,
    kept: 0,
    skipped: 0,
  };
}

function addInto(into: Counts, more: Counts): void {
  for (const key of Object.keys(into) as (keyof Counts)[])
    into[key] = (into[key] ?? 0) + (more[key] ?? 0);
}

function addCounts(a: Counts, b: Counts): Counts {
  const sum = { ...a };
  addInto(sum, b);
  return sum;
}

/** `{ [key]: value }` when the value is defined, else nothing (optional fields stay absent). */
function optional<K extends string, V>(key: K, value: V | undefined): Partial<Record<K, V>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, V>);
}

/** Identifies a job's settings, so that a changed job is not taken for one that is done. */
function settingsDigest(job: JobConfig): string {
  return createHash('sha256').update(JSON.stringify(job)).digest('base64url');
}
