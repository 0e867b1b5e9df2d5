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
 * after this check changes nothing, because the job never looks at it again. A root counts only
 * when nobody else could swap it for a symlink either (the directories above it are trusted).
 * Where the given path is not under an allowed root even as written, the answer is the same
 * whether it exists or not, so the check tells a socket user nothing about the rest of the host.
 */
import { realpath, stat } from 'node:fs/promises';
import {
  ADHOC_KEYS,
  adhocOffMessage,
  isS3Url,
  isUnderLocalRoot,
  isUnderS3Root,
  listRoots,
  s3Location,
  s3PrefixProblem,
} from '../core/adhoc-rules.js';
import { isWithin } from '../core/logical-path.js';
import type { JobConfig } from './index.js';
import { untrustedPathReason } from './trusted-path.js';

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
      `job.target: ${job.target} is not under any of ${ADHOC_KEYS.targets} (${listRoots(limits.adhoc_targets)})`,
    );
  }
  if (job.follow_symlinks) {
    problems.push(
      `job.follow_symlinks: an ad-hoc job may not follow symbolic links (one in its source could lead outside ${ADHOC_KEYS.sources}); an admin can configure such a job as a [[job]]`,
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
  if (shape !== undefined) return `${source} ${shape}`;
  const location = s3Location(source);
  const allowed = roots.filter(isS3Url).map(s3Location);
  if (allowed.some((root) => isUnderS3Root(location, root))) return resolved(source);
  return `${source} is not under any of ${ADHOC_KEYS.sources} (${listRoots(roots)})`;
}

async function localSource(
  source: string,
  roots: readonly string[],
  daemonUid: number,
): Promise<Resolved | string> {
  const local = roots.filter((root) => !isS3Url(root));
  const outside = `${source} is not under any of ${ADHOC_KEYS.sources} (${listRoots(roots)})`;
  const found = await resolveUnder(source, local);
  if (found === OUTSIDE) return outside;
  if (typeof found === 'string') return `${source} ${found}`;
  let reason: string | undefined;
  for (const root of found.roots) {
    reason = await untrustedPathReason(root.real, daemonUid, { aboveOnly: true });
    if (reason === undefined) break;
    reason = `the allowed root ${root.given} cannot bound ad-hoc jobs, since someone other than root and the daemon's user could swap it for a symbolic link: ${reason}`;
  }
  if (reason !== undefined) return reason;
  const info = await stat(found.real).catch(() => undefined);
  if (info?.isDirectory() !== true) return `${source} is not a directory`;
  return resolved(found.real);
}

/** The answer of resolveUnder for a path that is not under a root even as written. */
const OUTSIDE = Symbol('outside');

interface Found {
  /** `path` resolved. */
  readonly real: string;
  /** The allowed roots it lies under, as given and resolved. */
  readonly roots: { given: string; real: string }[];
}

/**
 * `path` resolved and the roots (resolved too) that hold it; else OUTSIDE when it is not under
 * a root even as written (nothing more is said), or what is wrong with it.
 */
async function resolveUnder(
  path: string,
  roots: readonly string[],
): Promise<Found | typeof OUTSIDE | string> {
  const asWritten = roots.some((root) => isUnderLocalRoot(path, root));
  const real = await realpath(path).catch((error: NodeJS.ErrnoException) => error);
  const resolvedRoots = await Promise.all(
    roots.map(async (given) => ({ given, real: await realpath(given).catch(() => undefined) })),
  );
  const holding = resolvedRoots.filter(
    (root): root is { given: string; real: string } =>
      root.real !== undefined && typeof real === 'string' && isUnderLocalRoot(real, root.real),
  );
  if (typeof real === 'string' && holding.length > 0) return { real, roots: holding };
  if (!asWritten) return OUTSIDE;
  if (typeof real !== 'string') {
    return real.code === 'ENOENT' || real.code === 'ENOTDIR'
      ? 'does not exist'
      : `cannot be resolved: ${real.message}`;
  }
  return 'resolves to a place outside the allowed roots (through a symbolic link)';
}

async function trustedHandler(
  handler: string,
  limits: AdhocLimits,
  daemonUid: number,
): Promise<Resolved | string> {
  const dirs = limits.handler_dirs;
  const found = await resolveUnder(handler, dirs);
  if (found === OUTSIDE) {
    return `${handler} is not in ${ADHOC_KEYS.handlerDirs} (${listRoots(dirs)}); a handler named through the socket must lie there`;
  }
  if (typeof found === 'string') return `${handler} ${found}`;
  const info = await stat(found.real).catch(() => undefined);
  if (info?.isFile() !== true) return `${handler} is not a regular file`;
  const reason = await untrustedPathReason(found.real, daemonUid);
  if (reason !== undefined) return `${handler} is refused: ${reason}`;
  return resolved(found.real);
}
