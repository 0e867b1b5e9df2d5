/**
 * Human output of `irods-ingestctl workers`: one row per daemon on the Redis, then, per daemon,
 * the shared jobs it leaves to others and why. Also the "unusable here" lines of `status`.
 */
import { ALIGN, formatRelative, table, type Column, type Style } from './human.js';
import type { UnusableJob, WorkerInfo } from '../control/wire.js';

const WORKER_COLUMNS: readonly Column[] = [
  { header: 'HOST' },
  { header: 'PID', align: ALIGN.right },
  { header: 'ROLE' },
  { header: 'VERSION' },
  { header: 'WORKERS', align: ALIGN.right },
  { header: 'IN FLIGHT', align: ALIGN.right },
  { header: 'LAST SEEN' },
  { header: 'JOBS' },
];

export function formatWorkers(
  workers: readonly WorkerInfo[],
  { style, now }: { style: Style; now: Date },
): string {
  if (workers.length === 0) return 'no daemons registered';
  const rows = workers.map((worker) => [
    worker.host,
    String(worker.pid),
    worker.role,
    worker.version,
    String(worker.workers),
    String(worker.batchesInFlight),
    formatRelative(worker.lastSeen, now),
    jobList(worker),
  ]);
  const paint = (column: number, row: number, padded: string) =>
    column === 7 && workers[row]!.unusable.length > 0 ? style.yellow(padded) : padded;
  const notes = workers.flatMap((worker) =>
    worker.unusable.map(
      (job) => `  ${job.name} on ${worker.host} (pid ${worker.pid}): ${job.reason}`,
    ),
  );
  const body = table(WORKER_COLUMNS, rows, paint, style.bold);
  return notes.length === 0 ? body : `${body}\n\nleft to others:\n${notes.join('\n')}`;
}

/** The `status` lines for the shared jobs this daemon leaves to others. */
export function formatUnusable(jobs: readonly UnusableJob[] | undefined): string {
  if (jobs === undefined || jobs.length === 0) return '';
  return `\n\nnot worked on this host:\n${jobs.map(unusableLine).join('\n')}`;
}

function jobList(worker: WorkerInfo): string {
  const names = worker.jobs.length === 0 ? '-' : worker.jobs.join(', ');
  return worker.unusable.length === 0 ? names : `${names} (+${worker.unusable.length} unusable)`;
}

function unusableLine(job: UnusableJob): string {
  return `  ${job.name}: ${job.reason}`;
}
