/**
 * Human output of `irods-ingestctl` for the daemon's answers: a table of jobs (`status`, `jobs`),
 * a key/value block for one job, the failure list and the outcome of a reload. `--json` bypasses
 * all of this and prints the daemon's answer as it came.
 */
import { formatBytes, formatDuration } from '../core/pass-summary.js';
import {
  ALIGN,
  formatByteRate,
  formatCount,
  formatFileRate,
  formatRelative,
  keyValues,
  table,
  type Column,
  type Style,
} from './human.js';
import { formatUnusable } from './format-workers.js';
import type {
  AllowDeletesResult,
  Counts,
  DaemonStatus,
  FailureRecord,
  JobState,
  JobStatus,
  ReloadResult,
  WatcherStatus,
} from '../control/wire.js';

export interface FormatContext {
  style: Style;
  now: Date;
}

export function formatStatus(status: DaemonStatus, context: FormatContext): string {
  const { style, now } = context;
  const started = Date.parse(status.startedAt);
  const uptime = Number.isNaN(started) ? status.startedAt : formatDuration(now.getTime() - started);
  const health = status.draining
    ? style.yellow('draining')
    : status.ready
      ? style.green('ready')
      : style.yellow('not ready');
  const redis = `${status.redis.connected ? 'connected' : style.red('not connected')}${status.redis.embedded ? ' (embedded)' : ''}`;
  const header = keyValues([
    [
      'daemon',
      `irods-ingestd ${status.version}, pid ${status.pid}, role ${status.role}, up ${uptime}`,
    ],
    ['state', health],
    ['redis', redis],
    ['irods', status.irods.url],
  ]);
  const notes = [
    ...status.jobs
      .filter((job) => job.refused !== undefined)
      .map((job) => style.red(`job ${job.name} is refused: ${job.refused!.reason}`)),
    ...status.jobs
      .filter((job) => job.passFailure !== undefined)
      .map((job) => style.red(`job ${job.name}: its pass failed: ${job.passFailure!.reason}`)),
    ...status.jobs
      .filter((job) => job.workersHeld !== undefined)
      .map((job) => style.red(`job ${job.name}: its workers wait: ${job.workersHeld!.reason}`)),
    ...(status.leftoverJobs ?? []).map(
      (name) =>
        `job ${name} is not configured but has state in Redis (irods-ingestctl forget ${name} removes it)`,
    ),
  ];
  const tail = notes.length === 0 ? '' : `\n\n${notes.join('\n')}`;
  return `${header}${formatUnusable(status.unusableJobs)}\n\n${formatJobs(status.jobs, context)}${tail}`;
}

const JOB_COLUMNS: readonly Column[] = [
  { header: 'JOB' },
  { header: 'STATE' },
  { header: 'PASS', align: ALIGN.right },
  { header: 'SEEN', align: ALIGN.right },
  { header: 'CHANGED', align: ALIGN.right },
  { header: 'EXCLUDED', align: ALIGN.right },
  { header: 'FAILED', align: ALIGN.right },
  { header: 'QUEUED', align: ALIGN.right },
  { header: 'SENT', align: ALIGN.right },
  { header: 'RATE', align: ALIGN.right },
  { header: 'NEXT RESCAN' },
  { header: 'WATCHER' },
];

/** One row per job with the counters of its current (or last) pass. */
export function formatJobs(jobs: readonly JobStatus[], { style, now }: FormatContext): string {
  if (jobs.length === 0) return 'no jobs';
  const rows = jobs.map((job) => [
    job.name,
    stateShort(job),
    String(job.pass),
    formatCount(job.current.seen),
    formatCount(changed(job.current)),
    formatCount(job.current.excluded),
    formatCount(job.current.failed),
    formatCount(job.queued),
    formatBytes(job.current.bytes),
    formatFileRate(job.rate.files),
    formatRelative(job.nextRescanAt, now),
    watcherShort(job.watcher),
  ]);
  const paint = (column: number, row: number, padded: string) => {
    const job = jobs[row]!;
    if (column === 1 && job.refused !== undefined) return style.red(padded);
    if (column === 1 && job.heldDeletes !== undefined) return style.yellow(padded);
    if (column === 1) return paintState(job.state, padded, style);
    if (column === 6 && job.current.failed > 0) return style.red(padded);
    return padded;
  };
  return table(JOB_COLUMNS, rows, paint, style.bold);
}

/** Everything the daemon reports about one job, one fact per line. */
export function formatJob(job: JobStatus, { style, now }: FormatContext): string {
  const pass = [`${job.pass}`];
  if (job.passStartedAt !== undefined)
    pass.push(`started ${formatRelative(job.passStartedAt, now)}`);
  if (job.passEndedAt !== undefined) pass.push(`ended ${formatRelative(job.passEndedAt, now)}`);
  const pairs: [string, string][] = [
    ['job', style.bold(job.name)],
    ['state', paintState(job.state, job.state, style)],
    ['source', job.source],
    ['target', job.target],
    ['operation', job.operation],
    ['pass', pass.join(', ')],
    ['next rescan', formatRelative(job.nextRescanAt, now)],
    ['this pass', formatCounts(job.current)],
    ['all passes', formatCounts(job.total)],
  ];
  if (job.refused !== undefined) {
    const since = formatRelative(job.refused.since, now);
    pairs.push(['refused', style.red(`${job.refused.reason} (since ${since})`)]);
  }
  if (job.passFailure !== undefined) pairs.push(['pass failed', failureLine(job, now, style)]);
  if (job.workersHeld !== undefined) {
    const since = formatRelative(job.workersHeld.since, now);
    pairs.push(['workers wait', style.red(`${job.workersHeld.reason} (since ${since})`)]);
  }
  if (job.heldDeletes !== undefined) pairs.push(['held deletes', heldLine(job, now, style)]);
  if (job.progress !== undefined) {
    const p = job.progress;
    pairs.push([
      'progress',
      `${p.filesDone} of ${p.filesKnown}${p.scanComplete ? '' : '+'} files, ${formatBytes(p.bytesDone)} of ${formatBytes(p.bytesKnown)}`,
    ]);
  }
  pairs.push(
    ['queued', `${job.queued} batch${job.queued === 1 ? '' : 'es'}`],
    [
      'failures',
      job.failures > 0
        ? `${style.red(String(job.failures))} (irods-ingestctl failures ${job.name})`
        : '0',
    ],
    ['rate', `${formatFileRate(job.rate.files)}, ${formatByteRate(job.rate.bytes)}`],
    ['watcher', watcherLong(job.watcher)],
  );
  return keyValues(pairs);
}

/** "5000 seen, 12 new, 3 updated, 0 deleted, 40 excluded, 1 failed, 1.2 GiB sent". */
export function formatCounts(counts: Counts): string {
  return [
    `${counts.seen} seen`,
    `${counts.new} new`,
    `${counts.updated} updated`,
    `${counts.deleted} deleted`,
    `${counts.excluded} excluded`,
    `${counts.failed} failed`,
    `${formatBytes(counts.bytes)} sent`,
  ].join(', ');
}

const FAILURE_COLUMNS: readonly Column[] = [
  { header: 'PATH' },
  { header: 'ATTEMPTS', align: ALIGN.right },
  { header: 'WHEN' },
  { header: 'REASON' },
];

/**
 * The failure list; `total` (the job's failure count, when known) lets the footer say how many
 * were not shown.
 */
export function formatFailures(
  job: string,
  failures: readonly FailureRecord[],
  more: { next: boolean; total?: number },
  { style, now }: FormatContext,
): string {
  if (failures.length === 0) return `no failures in job ${job}`;
  const rows = failures.map((f) => [
    f.path,
    String(f.attempts),
    formatRelative(f.at, now),
    reason(f),
  ]);
  const lines = [table(FAILURE_COLUMNS, rows, undefined, style.bold)];
  if (more.next) {
    const hidden =
      more.total !== undefined && more.total > failures.length
        ? `${more.total - failures.length} more`
        : 'more';
    lines.push(`(${hidden} not shown; irods-ingestctl failures ${job} --limit N lists up to N)`);
  }
  return lines.join('\n');
}

function reason(failure: FailureRecord): string {
  const codes = [
    failure.irodsCode === undefined ? undefined : `iRODS ${failure.irodsCode}`,
    failure.errno,
    failure.operation,
  ].filter((part) => part !== undefined && part !== '');
  return codes.length > 0 ? `${failure.message} (${codes.join(', ')})` : failure.message;
}

/** What an applied reload changed, one line per kind. */
export function formatReload(result: ReloadResult): string {
  const list = (names: readonly string[]) => (names.length > 0 ? names.join(', ') : '-');
  const lines = [
    'reload applied',
    keyValues([
      ['added', list(result.added)],
      ['removed', list(result.removed)],
      ['changed', list(result.changed)],
      ['needs restart', list(result.needsRestart)],
    ]),
  ];
  if (result.needsRestart.length > 0) {
    lines.push('(keys under "needs restart" keep their old values until the daemon restarts)');
  }
  return lines.join('\n');
}

/** Why a reload was refused, every problem on its own line. */
export function formatRefusedReload(result: ReloadResult): string {
  const problems = result.problems.length > 0 ? result.problems : ['(the daemon gave no reason)'];
  return [
    'reload refused; the running config is unchanged:',
    ...problems.map((p) => `  ${p}`),
  ].join('\n');
}

/** What allow-deletes did. */
export function formatAllowDeletes(result: AllowDeletesResult): string {
  if (result.accepted !== undefined) {
    return `accepted ${result.accepted} as the source root of job ${result.job}; a pass follows (its deletes are still held by max_delete)`;
  }
  const released = result.released ?? { entries: 0, paths: 0 };
  return `released ${released.paths} held delete${released.paths === 1 ? '' : 's'} (${released.entries} entries) of job ${result.job}`;
}

function failureLine(job: JobStatus, now: Date, style: Style): string {
  const { reason, since, attempts } = job.passFailure!;
  const row = attempts === 1 ? 'once' : `${attempts} times in a row`;
  return style.red(`${reason} (${row}, since ${formatRelative(since, now)})`);
}

function heldLine(job: JobStatus, now: Date, style: Style): string {
  const held = job.heldDeletes!;
  const paths = `${held.paths} path${held.paths === 1 ? '' : 's'}`;
  const by = held.by === 'watch' ? 'seen by the watcher' : `in pass ${held.pass}`;
  return style.yellow(
    `${held.entries} entries (${paths}) ${by}, ${formatRelative(held.since, now)}; max_delete allows ${held.limit} of ${held.tracked} tracked; irods-ingestctl allow-deletes ${job.name} releases them`,
  );
}

function stateShort(job: JobStatus): string {
  if (job.refused !== undefined) return 'refused';
  return job.heldDeletes === undefined ? job.state : `${job.state}, held`;
}

function changed(counts: Counts): number {
  return counts.new + counts.updated + counts.deleted;
}

function paintState(state: JobState, padded: string, style: Style): string {
  switch (state) {
    case 'running':
      return style.green(padded);
    case 'failed':
      return style.red(padded);
    case 'paused':
    case 'stopped':
      return style.yellow(padded);
    default:
      return padded;
  }
}

function watcherShort(watcher: WatcherStatus): string {
  return watcher.state === 'watching' ? `watching (${watcher.watches})` : watcher.state;
}

function watcherLong(watcher: WatcherStatus): string {
  const parts: string[] = [watcher.state];
  if (watcher.state !== 'off' || watcher.watches > 0) {
    parts.push(
      watcher.limit === undefined
        ? `${watcher.watches} inotify watches`
        : `${watcher.watches} of ${watcher.limit} inotify watches`,
    );
  }
  if (watcher.reason !== undefined) parts.push(watcher.reason);
  if (watcher.eventQueue !== undefined) {
    const { limit, advised } = watcher.eventQueue;
    parts.push(
      `fs.inotify.max_queued_events ${limit} is below the ${advised} advised (etc/sysctl.d): bursts may lose events until a rescan`,
    );
  }
  return parts.join(', ');
}
