/**
 * The daemon's Prometheus metrics, on a prom-client registry of its own (never the global
 * default one), so that tests and several daemons in one process do not share series.
 *
 * Two kinds of values:
 * - pushed by the code as things happen: file outcomes, bytes, iRODS requests, passes, watches;
 * - sampled at scrape time through probes the daemon registers (queue depth, files in flight,
 *   failure list, Redis health), so that nothing asks Redis anything while nobody scrapes.
 *   Each probe has a deadline; a probe that throws or is late is logged and its series are left
 *   out of that scrape, while the rest of the scrape is answered as usual.
 *
 * Recording never throws into the caller, since a metric must not be able to fail a batch: a
 * count that is not positive, or a value that is not a finite number, is left out.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { messageOf } from '../errors.js';
import type { Logger } from '../log.js';

export const METRIC_PREFIX = 'irods_ingest_';

export const FILE_OUTCOMES = {
  new: 'new',
  updated: 'updated',
  deleted: 'deleted',
  skipped: 'skipped',
  failed: 'failed',
  retried: 'retried',
} as const;
export type FileOutcome = (typeof FILE_OUTCOMES)[keyof typeof FILE_OUTCOMES];

export const QUEUE_STATES = { waiting: 'waiting', active: 'active', delayed: 'delayed' } as const;
export type QueueState = (typeof QUEUE_STATES)[keyof typeof QUEUE_STATES];

/** Seconds; one HTTP API request takes from a millisecond (stat) to a minute (a large part). */
export const REQUEST_BUCKETS = [
  0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60,
];
/** Seconds; a pass over a tree takes from a second to most of a day. */
export const SCAN_BUCKETS = [1, 5, 15, 60, 300, 900, 1800, 3600, 7200, 14400, 28800, 86400];

/** What a job probe reports at scrape time; a field left out is left out of the scrape. */
export interface JobSample {
  /** Batches of the job's queue by state. */
  queue?: Partial<Record<QueueState, number>>;
  /** Files in batches this daemon's workers are running. */
  inFlightFiles?: number;
  /** Files on the job's failure list. */
  failures?: number;
  /** Whether the job's passes are refused (its source root is not the recorded one). */
  refused?: boolean;
  /** Failed passes in a row (0 once a pass completes). */
  failedPasses?: number;
  /** Entries the deletes max_delete holds would remove. */
  heldDeletes?: number;
}
export type JobProbe = () => JobSample | Promise<JobSample>;

export interface RedisHealth {
  up: boolean;
  /** `used_memory` of INFO memory, when Redis answered. */
  usedMemoryBytes?: number;
}
export type RedisProbe = () => RedisHealth | Promise<RedisHealth>;

export interface Exposition {
  contentType: string;
  text: string;
}

export interface MetricsOptions {
  logger: Logger;
  /** How long a scrape waits for each probe. @defaultValue 2 s */
  probeTimeoutMs?: number;
}

const name = (suffix: string) => `${METRIC_PREFIX}${suffix}`;

export class Metrics {
  readonly registry = new Registry();
  readonly #logger: Logger;
  readonly #probeTimeoutMs: number;
  readonly #jobs = new Set<string>();
  readonly #jobProbes = new Map<string, JobProbe>();
  #redisProbe: RedisProbe | undefined;
  /** Probes whose last run failed, so that an outage is logged once, not on every scrape. */
  readonly #failing = new Set<string>();
  /** The scrape under way: concurrent scrapes share it instead of interleaving their samples. */
  #scraping: Promise<Exposition> | undefined;

  readonly #files: Counter<'job' | 'outcome'>;
  readonly #bytes: Counter<'job'>;
  readonly #queue: Gauge<'job' | 'state'>;
  readonly #inFlight: Gauge<'job'>;
  readonly #failures: Gauge<'job'>;
  readonly #refused: Gauge<'job'>;
  readonly #failedPasses: Gauge<'job'>;
  readonly #heldDeletes: Gauge<'job'>;
  readonly #requestSeconds: Histogram<'op'>;
  readonly #requestErrors: Counter<'op' | 'code'>;
  readonly #scanSeconds: Histogram<'job'>;
  readonly #passNumber: Gauge<'job'>;
  readonly #lastPassEnd: Gauge<'job'>;
  readonly #watches: Gauge<'job'>;
  readonly #watchLimit: Gauge;
  readonly #redisUp: Gauge;
  readonly #redisMemory: Gauge;

  constructor(options: MetricsOptions) {
    this.#logger = options.logger;
    this.#probeTimeoutMs = options.probeTimeoutMs ?? 2_000;
    const registers = [this.registry];
    this.#files = new Counter({
      name: name('files_total'),
      help: 'Files and directories handled by the workers, by outcome.',
      labelNames: ['job', 'outcome'],
      registers,
    });
    this.#bytes = new Counter({
      name: name('bytes_total'),
      help: 'Bytes sent to iRODS.',
      labelNames: ['job'],
      registers,
    });
    this.#queue = new Gauge({
      name: name('queue_batches'),
      help: 'Batches in the job queue, by state.',
      labelNames: ['job', 'state'],
      registers,
    });
    this.#inFlight = new Gauge({
      name: name('in_flight_files'),
      help: "Files in batches this daemon's workers are running.",
      labelNames: ['job'],
      registers,
    });
    this.#failures = new Gauge({
      name: name('failures'),
      help: 'Files on the failure list.',
      labelNames: ['job'],
      registers,
    });
    this.#refused = new Gauge({
      name: name('source_refused'),
      help: 'Whether the job refuses its passes (1): its source root is missing, not a directory, without its marker, or not the one recorded.',
      labelNames: ['job'],
      registers,
    });
    this.#failedPasses = new Gauge({
      name: name('failed_passes'),
      help: 'Passes of the job that failed in a row (iRODS or Redis away, a prePass that throws); 0 once one completes.',
      labelNames: ['job'],
      registers,
    });
    this.#heldDeletes = new Gauge({
      name: name('deletes_held'),
      help: 'Entries the deletes held by max_delete would remove (irods-ingestctl allow-deletes releases them).',
      labelNames: ['job'],
      registers,
    });
    this.#requestSeconds = new Histogram({
      name: name('irods_request_duration_seconds'),
      help: 'iRODS HTTP API requests (every attempt), by op.',
      labelNames: ['op'],
      buckets: REQUEST_BUCKETS,
      registers,
    });
    this.#requestErrors = new Counter({
      name: name('irods_errors_total'),
      help: 'Failed iRODS HTTP API requests, by op and iRODS error, HTTP status or transport error.',
      labelNames: ['op', 'code'],
      registers,
    });
    this.#scanSeconds = new Histogram({
      name: name('scan_duration_seconds'),
      help: 'Duration of completed passes.',
      labelNames: ['job'],
      buckets: SCAN_BUCKETS,
      registers,
    });
    this.#passNumber = new Gauge({
      name: name('pass_number'),
      help: 'Number of the last completed pass.',
      labelNames: ['job'],
      registers,
    });
    this.#lastPassEnd = new Gauge({
      name: name('last_pass_end_timestamp_seconds'),
      help: 'When the last completed pass ended, seconds since the epoch.',
      labelNames: ['job'],
      registers,
    });
    this.#watches = new Gauge({
      name: name('watcher_watches'),
      help: 'inotify watches the job holds.',
      labelNames: ['job'],
      registers,
    });
    this.#watchLimit = new Gauge({
      name: name('inotify_watch_limit'),
      help: 'fs.inotify.max_user_watches.',
      registers,
    });
    this.#redisUp = new Gauge({
      name: name('redis_up'),
      help: 'Whether Redis answered PING at scrape time (1) or not (0).',
      registers,
    });
    this.#redisMemory = new Gauge({
      name: name('redis_used_memory_bytes'),
      help: 'Memory Redis uses (INFO memory used_memory), at scrape time.',
      registers,
    });
    // prom-client shows 0 for an unset gauge without labels; unknown must be absent instead.
    for (const gauge of [this.#watchLimit, this.#redisUp, this.#redisMemory]) gauge.remove({});
    collectDefaultMetrics({ register: this.registry, prefix: METRIC_PREFIX });
  }

  /** Makes a job's counters exist at 0, so that rates work from its first scrape. */
  addJob(job: string): void {
    if (this.#jobs.has(job)) return;
    this.#jobs.add(job);
    for (const outcome of Object.values(FILE_OUTCOMES)) this.#files.inc({ job, outcome }, 0);
    this.#bytes.inc({ job }, 0);
  }

  /** Removes every series of a job (removed on reload) and its probe. */
  forgetJob(job: string): void {
    this.#jobs.delete(job);
    this.#jobProbes.delete(job);
    this.#failing.delete(jobProbeKey(job));
    for (const outcome of Object.values(FILE_OUTCOMES)) this.#files.remove({ job, outcome });
    this.#clearJobSample(job);
    for (const metric of [
      this.#bytes,
      this.#scanSeconds,
      this.#passNumber,
      this.#lastPassEnd,
      this.#watches,
    ]) {
      metric.remove({ job });
    }
  }

  fileOutcome(job: string, outcome: FileOutcome, count = 1): void {
    if (!(count > 0)) return;
    this.addJob(job);
    this.#files.inc({ job, outcome }, count);
  }

  bytes(job: string, n: number): void {
    if (!(n > 0)) return;
    this.addJob(job);
    this.#bytes.inc({ job }, n);
  }

  /**
   * One HTTP request to iRODS (one attempt) took `seconds`; `errorCode` when it failed: the
   * iRODS error name, `HTTP_<status>` or the transport error code (see `irodsErrorLabel`).
   */
  irodsRequest(op: string, seconds: number, errorCode?: string): void {
    if (usable(seconds)) this.#requestSeconds.observe({ op }, seconds);
    if (errorCode !== undefined) this.#requestErrors.inc({ op, code: errorCode });
  }

  /** A pass of `job` completed after `seconds`; `endedAtMs` in ms since the epoch. */
  passDone(job: string, pass: number, seconds: number, endedAtMs: number): void {
    if (usable(seconds)) this.#scanSeconds.observe({ job }, seconds);
    if (usable(pass)) this.#passNumber.set({ job }, pass);
    if (usable(endedAtMs)) this.#lastPassEnd.set({ job }, endedAtMs / 1000);
  }

  setWatches(job: string, n: number): void {
    if (usable(n)) this.#watches.set({ job }, n);
  }

  /** fs.inotify.max_user_watches; undefined when it cannot be read. */
  setWatchLimit(limit: number | undefined): void {
    if (limit === undefined || !usable(limit)) this.#watchLimit.remove({});
    else this.#watchLimit.set(limit);
  }

  /** Samples `job` at every scrape (replacing an earlier probe of the job). */
  onScrape(job: string, probe: JobProbe): void {
    this.#jobProbes.set(job, probe);
  }

  /** Asks Redis how it is at every scrape; a probe that throws or is late reads as down. */
  onScrapeRedis(probe: RedisProbe): void {
    this.#redisProbe = probe;
  }

  /** Samples the probes, then renders every metric in the Prometheus text format. */
  scrape(): Promise<Exposition> {
    this.#scraping ??= this.#collect().finally(() => (this.#scraping = undefined));
    return this.#scraping;
  }

  async #collect(): Promise<Exposition> {
    await Promise.all([
      ...[...this.#jobProbes].map(([job, probe]) => this.#sampleJob(job, probe)),
      this.#sampleRedis(),
    ]);
    return { contentType: this.registry.contentType, text: await this.registry.metrics() };
  }

  async #sampleJob(job: string, probe: JobProbe): Promise<void> {
    this.#clearJobSample(job);
    const sample = await this.#run(jobProbeKey(job), probe);
    // forgetJob() may have run while the probe was waiting for Redis.
    if (sample === undefined || this.#jobProbes.get(job) !== probe) return;
    for (const state of Object.values(QUEUE_STATES)) {
      const n = sample.queue?.[state];
      if (n !== undefined && usable(n)) this.#queue.set({ job, state }, n);
    }
    const { inFlightFiles, failures, refused, failedPasses, heldDeletes } = sample;
    if (inFlightFiles !== undefined && usable(inFlightFiles))
      this.#inFlight.set({ job }, inFlightFiles);
    if (failures !== undefined && usable(failures)) this.#failures.set({ job }, failures);
    if (refused !== undefined) this.#refused.set({ job }, refused ? 1 : 0);
    if (failedPasses !== undefined && usable(failedPasses)) {
      this.#failedPasses.set({ job }, failedPasses);
    }
    if (heldDeletes !== undefined && usable(heldDeletes)) {
      this.#heldDeletes.set({ job }, heldDeletes);
    }
  }

  #clearJobSample(job: string): void {
    for (const state of Object.values(QUEUE_STATES)) this.#queue.remove({ job, state });
    this.#inFlight.remove({ job });
    this.#failures.remove({ job });
    this.#refused.remove({ job });
    this.#failedPasses.remove({ job });
    this.#heldDeletes.remove({ job });
  }

  async #sampleRedis(): Promise<void> {
    const probe = this.#redisProbe;
    if (probe === undefined) return;
    const health = (await this.#run('redis', probe)) ?? { up: false };
    this.#redisUp.set(health.up ? 1 : 0);
    const memory = health.usedMemoryBytes;
    if (memory === undefined || !usable(memory)) this.#redisMemory.remove({});
    else this.#redisMemory.set(memory);
  }

  /** Runs a probe within the deadline; undefined (logged) when it threw or was late. */
  async #run<T>(what: string, probe: () => T | Promise<T>): Promise<T | undefined> {
    const running = Promise.resolve().then(probe);
    // A late probe may still fail after the scrape went on without it.
    running.catch(() => undefined);
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`no answer within ${this.#probeTimeoutMs} ms`)),
        this.#probeTimeoutMs,
      );
    });
    try {
      const value = await Promise.race([running, late]);
      if (this.#failing.delete(what)) this.#logger.info(`metrics: the ${what} probe answers again`);
      return value;
    } catch (error) {
      const message = `metrics: the ${what} probe failed, its values are left out: ${messageOf(error)}`;
      if (this.#failing.has(what)) this.#logger.debug(message);
      else this.#logger.warn(message);
      this.#failing.add(what);
      return undefined;
    } finally {
      clearTimeout(timer);
    }
  }
}

const jobProbeKey = (job: string) => `job ${job}`;
const usable = (n: number) => Number.isFinite(n) && n >= 0;
