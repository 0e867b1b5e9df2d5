/** Key paths as operators read them: `daemon.workers`, `job[1].exclude[0]`, `job[0].metadata."a b"`. */

export type PathSegment = string | number;

const BARE_KEY = /^[A-Za-z0-9_-]+$/;

export function formatPath(path: readonly PathSegment[]): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else
      out += `${out === '' ? '' : '.'}${BARE_KEY.test(segment) ? segment : JSON.stringify(segment)}`;
  }
  return out;
}

/**
 * Like formatPath, with the job's name after its index (`job[1] (name "scope-2").delete`):
 * indexes shift as drop-ins add jobs, names do not.
 */
export function describePath(path: readonly PathSegment[], data: unknown): string {
  const [first, index, ...rest] = path;
  if (first !== 'job' || typeof index !== 'number') return formatPath(path);
  const jobs = (data as { job?: unknown } | undefined)?.job;
  const job: unknown = Array.isArray(jobs) ? jobs[index] : undefined;
  const name = (job as { name?: unknown } | undefined)?.name;
  const head = formatPath(['job', index]);
  const named =
    typeof name === 'string' && name !== '' ? `${head} (name ${JSON.stringify(name)})` : head;
  const tail = formatPath(rest);
  if (tail === '') return named;
  return typeof rest[0] === 'number' ? `${named}${tail}` : `${named}.${tail}`;
}
