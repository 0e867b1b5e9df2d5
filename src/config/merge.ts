/**
 * Merging the main file with its drop-ins, remembering for every key which file (and which path
 * inside that file) it came from, so a problem found in the merged result names the right file
 * and line.
 *
 * Rules: tables deep-merge and later files win; any other value (arrays included) is replaced
 * whole. `[[job]]` entries merge by `name`: a drop-in job whose name matches a job from an
 * earlier file adds its keys to that job, any other job is appended. Two jobs with the same name
 * in one file are kept apart, so the duplicate is reported rather than silently merged.
 */
import { formatPath, type PathSegment } from './key-path.js';

export type Table = Record<string, unknown>;

export interface Origin {
  readonly file: string;
  /** The path inside that file, which differs from the merged path for jobs merged by name. */
  readonly local: readonly PathSegment[];
}

export interface ParsedFile {
  readonly file: string;
  readonly data: Table;
}

export interface Merged {
  readonly data: Table;
  /** Keyed by formatPath of the merged path; every table, array and value has an entry. */
  readonly origins: ReadonlyMap<string, Origin>;
}

export function isTable(value: unknown): value is Table {
  return (
    typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date)
  );
}

export function mergeFiles(files: readonly ParsedFile[]): Merged {
  const data: Table = {};
  const origins = new Map<string, Origin>();
  const [main] = files;
  if (main !== undefined) origins.set('', { file: main.file, local: [] });
  for (const { file, data: fileData } of files) {
    for (const [key, value] of Object.entries(fileData)) {
      if (key === 'job' && Array.isArray(data.job) && Array.isArray(value)) {
        mergeJobs(data.job as unknown[], value as unknown[], file, origins);
      } else {
        place(data, key, value, { merged: [key], local: [key], file }, origins);
      }
    }
  }
  return { data, origins };
}

/** Where `path` came from: its own origin, or its nearest recorded ancestor's with the rest appended. */
export function originOf(
  origins: ReadonlyMap<string, Origin>,
  path: readonly PathSegment[],
): Origin {
  for (let n = path.length; n >= 0; n -= 1) {
    const origin = origins.get(formatPath(path.slice(0, n)));
    if (origin !== undefined)
      return { file: origin.file, local: [...origin.local, ...path.slice(n)] };
  }
  return { file: '', local: path };
}

interface Placement {
  readonly merged: PathSegment[];
  readonly local: PathSegment[];
  readonly file: string;
}

function place(
  target: Table,
  key: string,
  value: unknown,
  at: Placement,
  origins: Map<string, Origin>,
): void {
  const existing = target[key];
  if (isTable(existing) && isTable(value)) {
    for (const [childKey, child] of Object.entries(value)) {
      const next = {
        merged: [...at.merged, childKey],
        local: [...at.local, childKey],
        file: at.file,
      };
      place(existing, childKey, child, next, origins);
    }
    return;
  }
  forget(origins, at.merged);
  target[key] = value;
  remember(origins, value, at);
}

function mergeJobs(
  jobs: unknown[],
  incoming: unknown[],
  file: string,
  origins: Map<string, Origin>,
): void {
  incoming.forEach((job, localIndex) => {
    const local: PathSegment[] = ['job', localIndex];
    const match = isTable(job) ? findEarlierJob(jobs, job.name, file, origins) : -1;
    if (match < 0 || !isTable(job)) {
      jobs.push(job);
      remember(origins, job, { merged: ['job', jobs.length - 1], local, file });
      return;
    }
    for (const [key, value] of Object.entries(job)) {
      const at = { merged: ['job', match, key], local: [...local, key], file };
      place(jobs[match] as Table, key, value, at, origins);
    }
  });
}

function findEarlierJob(
  jobs: unknown[],
  name: unknown,
  file: string,
  origins: Map<string, Origin>,
): number {
  if (typeof name !== 'string') return -1;
  return jobs.findIndex(
    (job, i) => isTable(job) && job.name === name && originOf(origins, ['job', i]).file !== file,
  );
}

function remember(origins: Map<string, Origin>, value: unknown, at: Placement): void {
  origins.set(formatPath(at.merged), { file: at.file, local: at.local });
  const children = Array.isArray(value)
    ? value.entries()
    : isTable(value)
      ? Object.entries(value)
      : [];
  for (const [key, child] of children) {
    remember(origins, child, {
      merged: [...at.merged, key],
      local: [...at.local, key],
      file: at.file,
    });
  }
}

/** Drops the origins of `path` and everything below it, before a later file replaces it. */
function forget(origins: Map<string, Origin>, path: readonly PathSegment[]): void {
  const key = formatPath(path);
  for (const recorded of [...origins.keys()]) {
    if (recorded === key || recorded.startsWith(`${key}.`) || recorded.startsWith(`${key}[`)) {
      origins.delete(recorded);
    }
  }
}
