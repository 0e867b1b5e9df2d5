/**
 * The admin's bounds on ad-hoc jobs (design.md "Control socket trust"), checked on a job that is
 * already valid as a `[[job]]`. Whoever may use the control socket acts with the daemon's powers
 * (it reads every file under CAP_DAC_READ_SEARCH; its iRODS user may write the zone), so a job
 * started through it may read only under `daemon.adhoc_sources`, write only under
 * `daemon.adhoc_targets`, and run only handlers from `daemon.handler_dirs` that nobody but root
 * and the daemon's user can change. Configured `[[job]]`s are the admin's own and not bounded.
 *
 * Local paths are compared after resolving symlinks and `..` on both sides, on whole
 * components. The bounded job keeps the resolved paths: a symlink in the given source swapped
 * after this check changes nothing, because the job never looks at it again. A root (or handler
 * directory) counts only when nobody but root and the daemon's user could swap it for a symlink
 * either: every directory its resolution looks a name up in is theirs (trusted-path.ts).
 * Where the given path is not under an allowed root even as written, the answer is the same
 * whether it exists or not, so the check tells a socket user nothing about the rest of the host.
 * An S3 job started through the socket uses the daemon's own S3 credentials: it may pick a
 * `profile` of them but not name a `credentials_file`, which would be any file the daemon can read.
 */
import { realpath, stat } from 'node:fs/promises';
import {
  ADHOC_KEYS,
  adhocOffMessage,
  isS3Url,
  isUnderLocalRoot,
  isUnderS3Root,
  listRoots,
  quoted,
  s3Location,
  s3PrefixProblem,
} from '../core/adhoc-rules.js';
import { isWithin } from '../core/logical-path.js';
import type { JobConfig } from './index.js';
import { resolveTrusted } from './trusted-path.js';

/** The `[daemon]` keys that bound ad-hoc jobs. */
export interface AdhocLimits {
  readonly adhoc_sources: readonly string[];
  readonly adhoc_targets: readonly string[];
  readonly handler_dirs: readonly string[];
}

export type BoundedJob = { job: JobConfig } | { problems: string[] };

/** The refusal while ad-hoc jobs are off (a list is empty), or undefined when they are on. */
export function adhocOffProblem(limits: AdhocLimits): string | undefined {
  const sourcesEmpty = limits.adhoc_sources.length === 0;
  const targetsEmpty = limits.adhoc_targets.length === 0;
  return sourcesEmpty || targetsEmpty ? adhocOffMessage(sourcesEmpty, targetsEmpty) : undefined;
}

/**
 * `job` with its source and handler replaced by their resolved paths, or every reason it lies
 * outside the bounds (each naming the job key and the daemon key that bounds it).
 */
export async function boundAdhocJob(
  job: JobConfig,
  limits: AdhocLimits,
  daemonUid: number,
): Promise<BoundedJob> {
  const problems: string[] = [];
  const source = isS3Url(job.source)
    ? s3Source(job.source, limits.adhoc_sources)
    : await localSource(job.source, limits.adhoc_sources, daemonUid);
  if (!isResolved(source)) problems.push(`job.source: ${source}`);
  if (!limits.adhoc_targets.some((root) => isWithin(job.target, root))) {
    problems.push(
      `job.target: ${quoted(job.target)} is not under any of ${ADHOC_KEYS.targets} (${listRoots(limits.adhoc_targets)})`,
    );
  }
  if (job.follow_symlinks) {
    problems.push(
      `job.follow_symlinks: an ad-hoc job may not follow symbolic links (one in its source could lead outside ${ADHOC_KEYS.sources}); an admin can configure such a job as a [[job]]`,
    );
  }
  if (job.s3 !== undefined && job.s3.credentials_file !== '') {
    problems.push(
      `job.s3.credentials_file: an ad-hoc job may not name a credentials file (the socket user would have the daemon read a file of their choosing as its S3 keys); it uses the daemon's own S3 credentials ($CREDENTIALS_DIRECTORY/s3-credentials or the AWS default chain) with job.s3.profile; an admin can configure such a job as a [[job]]`,
    );
  }
  if (job.physical_source !== '') {
    problems.push(
      `job.physical_source: an ad-hoc job may not name the physical paths it registers (they could be any file the iRODS server can read); an admin can configure such a job as a [[job]]`,
    );
  }
  const handler =
    job.handler === '' ? resolved('') : await trustedHandler(job.handler, limits, daemonUid);
  if (!isResolved(handler)) problems.push(`job.handler: ${handler}`);
  if (!isResolved(source) || !isResolved(handler) || problems.length > 0) return { problems };
  return { job: { ...job, source: source.path, handler: handler.path } };
}

/** A path that passed, resolved; a plain string is the reason it did not. */
interface Resolved {
  readonly path: string;
}

function resolved(path: string): Resolved {
  return { path };
}

function isResolved(value: Resolved | string): value is Resolved {
  return typeof value === 'object';
}

function s3Source(source: string, roots: readonly string[]): Resolved | string {
  const shape = s3PrefixProblem(source);
  if (shape !== undefined) return `${quoted(source)} ${shape}`;
  const location = s3Location(source);
  const allowed = roots.filter(isS3Url).map(s3Location);
  if (allowed.some((root) => isUnderS3Root(location, root))) return resolved(source);
  return `${quoted(source)} is not under any of ${ADHOC_KEYS.sources} (${listRoots(roots)})`;
}

async function localSource(
  source: string,
  roots: readonly string[],
  daemonUid: number,
): Promise<Resolved | string> {
  const local = roots.filter((root) => !isS3Url(root));
  const real = await realpath(source).catch((error: NodeJS.ErrnoException) => error);
  const found = under(source, real, await resolveRoots(local, daemonUid));
  if (found === OUTSIDE) {
    return `${quoted(source)} is not under any of ${ADHOC_KEYS.sources} (${listRoots(roots)})`;
  }
  if (typeof found === 'string') return `${quoted(source)} ${found}`;
  const trusted = found.roots.find((root) => root.untrusted === undefined);
  if (trusted === undefined) {
    const [root] = found.roots;
    return `the allowed root ${root!.given} cannot bound ad-hoc jobs, since someone other than root and the daemon's user could swap it for a symbolic link: ${root!.untrusted!}`;
  }
  const info = await stat(found.real).catch(() => undefined);
  if (info?.isDirectory() !== true) return `${quoted(source)} is not a directory`;
  return resolved(found.real);
}

/**
 * Why `handler` may not run for a job that did not come from this host's config (an ad-hoc job,
 * a definition read from Redis), or undefined when it may.
 */
export async function handlerProblem(
  handler: string,
  limits: AdhocLimits,
  daemonUid: number,
): Promise<string | undefined> {
  const found = await trustedHandler(handler, limits, daemonUid);
  return typeof found === 'string' ? found : undefined;
}

async function trustedHandler(
  handler: string,
  limits: AdhocLimits,
  daemonUid: number,
): Promise<Resolved | string> {
  const dirs = limits.handler_dirs;
  const resolution = await resolveTrusted(handler, daemonUid);
  const real = 'error' in resolution ? resolution.error : resolution.real;
  const found = under(handler, real, await resolveRoots(dirs, daemonUid));
  if (found === OUTSIDE) {
    return `${quoted(handler)} is not in ${ADHOC_KEYS.handlerDirs} (${listRoots(dirs)}); a handler named through the socket must lie there`;
  }
  if (typeof found === 'string') return `${quoted(handler)} ${found}`;
  const dirMoved = found.roots.every((dir) => dir.untrusted !== undefined)
    ? found.roots[0]!.untrusted
    : undefined;
  const untrusted = dirMoved ?? ('untrusted' in resolution ? resolution.untrusted : undefined);
  if (untrusted !== undefined) return `${quoted(handler)} is refused: ${untrusted}`;
  const info = await stat(found.real).catch(() => undefined);
  if (info?.isFile() !== true) return `${quoted(handler)} is not a regular file`;
  return resolved(found.real);
}

/** An allowed root (or handler directory), resolved, with who else could move it, if anyone. */
interface Root {
  readonly given: string;
  readonly real: string;
  readonly untrusted?: string;
}

/** The roots resolved; those that do not resolve (not there now) hold nothing. */
async function resolveRoots(roots: readonly string[], daemonUid: number): Promise<Root[]> {
  const resolutions = await Promise.all(
    roots.map(async (given) => ({
      given,
      resolution: await resolveTrusted(given, daemonUid, { aboveOnly: true }),
    })),
  );
  return resolutions.flatMap(({ given, resolution }) =>
    'error' in resolution ? [] : [{ given, ...resolution }],
  );
}

/** The answer of `under` for a path that is not under a root even as written. */
const OUTSIDE = Symbol('outside');

interface Found {
  /** The path resolved. */
  readonly real: string;
  /** The roots it lies under. */
  readonly roots: readonly Root[];
}

/**
 * Where `path` (resolved to `real`, or failing with it) stands: under some roots; OUTSIDE when it
 * is not under a root even as written (then nothing more is said, not even whether it exists);
 * else what is wrong with it.
 */
function under(
  path: string,
  real: string | NodeJS.ErrnoException,
  roots: readonly Root[],
): Found | typeof OUTSIDE | string {
  const holding =
    typeof real === 'string' ? roots.filter((root) => isUnderLocalRoot(real, root.real)) : [];
  if (typeof real === 'string' && holding.length > 0) return { real, roots: holding };
  const asWritten = roots.some((root) => isUnderLocalRoot(path, root.given));
  if (!asWritten) return OUTSIDE;
  if (typeof real !== 'string') {
    return real.code === 'ENOENT' || real.code === 'ENOTDIR'
      ? 'does not exist'
      : `cannot be resolved: ${real.message}`;
  }
  return 'resolves to a place outside the allowed roots (through a symbolic link)';
}
