/**
 * A ControlTarget that keeps its jobs in memory, for testing the control server and ctl without
 * a daemon. It implements our own interface (no stand-in for Redis, HTTP or the filesystem): the
 * real server and the real ctl talk to it over the real socket. Tests shape its answers by
 * editing `jobs`, `failureLists`, `reloadResult`, `ready`, or `failWith`, and read what it was
 * asked through `calls` and `startedSpecs`.
 */
import { EventHub } from '../../../src/core/event-hub.js';
import { ControlError } from '../../../src/control/http-errors.js';
import type { ControlTarget } from '../../../src/control/target.js';
import type {
  AllowDeletesResult,
  DaemonEvent,
  DaemonStatus,
  FailureList,
  FailureRecord,
  JobStatus,
  ReloadResult,
  WorkerInfo,
} from '../../../src/control/wire.js';

const zero = () => ({ seen: 0, new: 0, updated: 0, deleted: 0, excluded: 0, failed: 0, bytes: 0 });

export function jobStatus(name: string, overrides: Partial<JobStatus> = {}): JobStatus {
  return {
    name,
    source: `/data/${name}`,
    target: `/tempZone/home/rods/${name}`,
    operation: 'register',
    state: 'idle',
    pass: 1,
    current: zero(),
    total: zero(),
    queued: 0,
    failures: 0,
    rate: { files: 0, bytes: 0 },
    passStartedAt: '2026-11-29T10:00:00.000Z',
    passEndedAt: '2026-11-29T10:00:04.100Z',
    watcher: { state: 'watching', watches: 12, limit: 65536 },
    ...overrides,
  };
}

export function failure(path: string, overrides: Partial<FailureRecord> = {}): FailureRecord {
  return {
    path,
    operation: 'register',
    irodsCode: -818000,
    message: 'CAT_NO_ACCESS_PERMISSION',
    attempts: 5,
    at: new Date(Date.now() - 60_000).toISOString(),
    ...overrides,
  };
}

const KNOWN_JOB_KEYS = new Set([
  'name',
  'source',
  'target',
  'operation',
  'delete',
  'watch',
  'rescan_interval',
  'settle',
  'exclude',
  'exclude_types',
  'follow_symlinks',
  'resource',
  'checksum',
  'ctime_changes',
  'files_per_task',
  'handler',
  'metadata',
]);

export class MemoryTarget implements ControlTarget {
  readonly jobsByName = new Map<string, JobStatus>();
  readonly failureLists = new Map<string, FailureRecord[]>();
  readonly startedSpecs: Record<string, unknown>[] = [];
  readonly calls: string[] = [];
  ready = true;
  draining = false;
  reloadResult: ReloadResult = {
    applied: true,
    problems: [],
    added: ['camera-2'],
    removed: [],
    changed: ['microscope-1'],
    needsRestart: ['redis.url'],
  };
  /** What `workers` answers. */
  workersList: WorkerInfo[] = [];
  /** When set, every call throws it (after recording the call). */
  failWith: Error | undefined;
  /** Event streams open now, and how many ended (client gone or server closed). */
  openStreams = 0;
  endedStreams = 0;
  /** The daemon's own hub: the streams see what a daemon's events route would. */
  readonly #hub = new EventHub();

  constructor(jobs: JobStatus[] = []) {
    for (const job of jobs) this.jobsByName.set(job.name, job);
  }

  /** Sends `event` to every open events stream. */
  emit(event: DaemonEvent): void {
    this.#hub.deliver(event);
  }

  /** Records the call and answers on a later tick, as a daemon that looks things up would. */
  async #enter(call: string): Promise<void> {
    this.calls.push(call);
    await Promise.resolve();
    if (this.failWith !== undefined) throw this.failWith;
  }

  #job(name: string): JobStatus {
    const job = this.jobsByName.get(name);
    if (job === undefined)
      throw new ControlError('NOT_FOUND', `no job named ${JSON.stringify(name)}`);
    return job;
  }

  async status(): Promise<DaemonStatus> {
    await this.#enter('status');
    return {
      version: '0.1.0',
      pid: 4242,
      role: 'all',
      startedAt: new Date(Date.now() - 3_723_000).toISOString(),
      ready: this.ready,
      draining: this.draining,
      redis: { connected: true, embedded: true },
      irods: { url: 'http://127.0.0.1:9000/irods-http-api/0.7.0' },
      jobs: [...this.jobsByName.values()],
      leftoverJobs: [],
    };
  }

  async jobs(): Promise<JobStatus[]> {
    await this.#enter('jobs');
    return [...this.jobsByName.values()];
  }

  async job(name: string): Promise<JobStatus> {
    await this.#enter(`job ${name}`);
    return this.#job(name);
  }

  async startJob(spec: Record<string, unknown>): Promise<JobStatus> {
    await this.#enter('startJob');
    const problems = Object.keys(spec)
      .filter((key) => !KNOWN_JOB_KEYS.has(key))
      .map((key) => `job.${key}: unknown key`);
    for (const key of ['name', 'source', 'target']) {
      if (typeof spec[key] !== 'string') problems.push(`job.${key}: is required`);
    }
    if (spec.operation !== undefined && spec.operation !== 'register' && spec.operation !== 'put') {
      problems.push(
        `job.operation: must be one of register, put (got ${JSON.stringify(spec.operation)})`,
      );
    }
    if (problems.length > 0) throw new ControlError('BAD_REQUEST', problems.join('\n'));
    const name = spec.name as string;
    if (this.jobsByName.has(name)) throw new ControlError('CONFLICT', `job ${name} exists already`);
    this.startedSpecs.push(spec);
    const job = jobStatus(name, {
      source: spec.source as string,
      target: spec.target as string,
      operation: (spec.operation as string | undefined) ?? 'register',
      state: 'running',
      pass: 1,
      passEndedAt: undefined,
    });
    this.jobsByName.set(name, job);
    return job;
  }

  async stopJob(name: string): Promise<void> {
    await this.#enter(`stop ${name}`);
    this.#job(name);
    this.jobsByName.delete(name);
  }

  async pauseJob(name: string): Promise<void> {
    await this.#enter(`pause ${name}`);
    const job = this.#job(name);
    if (job.state === 'paused') throw new ControlError('CONFLICT', `job ${name} is paused already`);
    job.state = 'paused';
  }

  async resumeJob(name: string): Promise<void> {
    await this.#enter(`resume ${name}`);
    const job = this.#job(name);
    if (job.state !== 'paused') throw new ControlError('CONFLICT', `job ${name} is not paused`);
    job.state = 'running';
  }

  async rescanJob(name: string): Promise<void> {
    await this.#enter(`rescan ${name}`);
    this.#job(name);
  }

  async resyncJob(name: string): Promise<void> {
    await this.#enter(`resync ${name}`);
    this.#job(name);
  }

  async forgetJob(name: string): Promise<{ keys: number }> {
    await this.#enter(`forget ${name}`);
    return { keys: 0 };
  }

  async retryJob(name: string): Promise<{ queued: number }> {
    await this.#enter(`retry ${name}`);
    this.#job(name);
    const list = this.failureLists.get(name) ?? [];
    this.failureLists.set(name, []);
    return { queued: list.length };
  }

  async allowDeletes(name: string): Promise<AllowDeletesResult> {
    await this.#enter(`allow-deletes ${name}`);
    const job = this.#job(name);
    const held = job.heldDeletes;
    if (held === undefined) throw new ControlError('CONFLICT', `job ${name} holds no deletes`);
    delete job.heldDeletes;
    return { job: name, released: { entries: held.entries, paths: held.paths } };
  }

  async failures(name: string, page: { limit: number; cursor?: string }): Promise<FailureList> {
    await this.#enter(`failures ${name} ${page.limit} ${page.cursor ?? '-'}`);
    this.#job(name);
    const list = this.failureLists.get(name) ?? [];
    const start = page.cursor === undefined ? 0 : Number(page.cursor);
    const failures = list.slice(start, start + page.limit);
    const end = start + failures.length;
    return end < list.length ? { failures, next: String(end) } : { failures };
  }

  async workers(): Promise<WorkerInfo[]> {
    await this.#enter('workers');
    return this.workersList;
  }

  async reload(): Promise<ReloadResult> {
    await this.#enter('reload');
    return this.reloadResult;
  }

  async drain(): Promise<void> {
    await this.#enter('drain');
    this.draining = true;
  }

  async config(): Promise<Record<string, unknown>> {
    await this.#enter('config');
    return {
      daemon: { control_socket: '/run/irods-ingest/ctl.sock', workers: 16, role: 'all' },
      redis: { url: 'embedded', key_prefix: 'irods-ingest' },
      irods: {
        url: 'http://127.0.0.1:9000/irods-http-api/0.7.0',
        username: 'rods',
        password_file: null,
      },
      job: [...this.jobsByName.values()].map((job) => ({
        name: job.name,
        source: job.source,
        exclude: ['**/*.tmp'],
        metadata: { instrument: 'm1' },
      })),
    };
  }

  async *events(signal: AbortSignal): AsyncGenerator<DaemonEvent> {
    await this.#enter('events');
    this.openStreams += 1;
    try {
      yield* this.#hub.subscribe(signal);
    } finally {
      this.openStreams -= 1;
      this.endedStreams += 1;
    }
  }
}
