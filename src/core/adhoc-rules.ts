/**
 * The bounds the admin sets on ad-hoc jobs (design.md "Control socket trust"): which source roots
 * (`daemon.adhoc_sources`: directories and `s3://bucket/prefix`) and which target collections
 * (`daemon.adhoc_targets`) a job started through the socket may use. Paths are compared on whole
 * `/`-separated components, so /data/ab is not under /data/a. Local paths are compared after the
 * caller resolved symlinks; S3 keys have no symlinks and no `..`, so a `.` or `..` component is
 * refused rather than interpreted (S3 would take it literally, other tools might not).
 */
import { isWithin, logicalPathProblem } from './logical-path.js';
import { sourceProblem, trimTrailingSlashes } from './job-rules.js';

export const ADHOC_KEYS = {
  sources: 'daemon.adhoc_sources',
  targets: 'daemon.adhoc_targets',
  handlerDirs: 'daemon.handler_dirs',
} as const;

/** An `s3://bucket/prefix` source or root, its prefix split into components. */
export interface S3Location {
  readonly bucket: string;
  readonly components: readonly string[];
}

export function isS3Url(value: string): boolean {
  return value.startsWith('s3://');
}

/** The bucket and prefix components of `url` (trailing slashes dropped). */
export function s3Location(url: string): S3Location {
  const [bucket = '', ...rest] = trimTrailingSlashes(url.slice('s3://'.length)).split('/');
  return { bucket, components: rest };
}

/** Why an S3 source's prefix cannot be bounded: a `.`, `..` or empty (`//`) component. */
export function s3PrefixProblem(url: string): string | undefined {
  const { components } = s3Location(url);
  if (components.some((part) => part === '' || part === '.' || part === '..')) {
    return 'has an empty, "." or ".." component in its prefix';
  }
  return undefined;
}

/** Whether `source` is `root` or lies below it (same bucket, root's components first). */
export function isUnderS3Root(source: S3Location, root: S3Location): boolean {
  return (
    source.bucket === root.bucket &&
    root.components.length <= source.components.length &&
    root.components.every((part, i) => source.components[i] === part)
  );
}

/** Whether the local path `path` is `root` or lies below it, on whole components. */
export function isUnderLocalRoot(path: string, root: string): boolean {
  return isWithin(trimTrailingSlashes(path), trimTrailingSlashes(root));
}

/** Why `value` cannot be an entry of `daemon.adhoc_sources`. */
export function adhocSourceRootProblem(value: string): string | undefined {
  return sourceProblem(value) ?? (isS3Url(value) ? s3PrefixProblem(value) : undefined);
}

/** Why `value` cannot be an entry of `daemon.adhoc_targets` (a collection path). */
export function adhocTargetRootProblem(value: string): string | undefined {
  const trimmed = trimTrailingSlashes(value);
  const shape = logicalPathProblem(trimmed);
  if (shape !== undefined) return `is not a valid logical path: ${shape}`;
  if (trimmed.split('/').some((segment) => segment === '.' || segment === '..')) {
    return 'has a "." or ".." element; write the collection path out in full';
  }
  return undefined;
}

/** The message for `start` while one of the lists is empty, naming the keys to set. */
export function adhocOffMessage(sourcesEmpty: boolean, targetsEmpty: boolean): string {
  const keys = [sourcesEmpty ? ADHOC_KEYS.sources : '', targetsEmpty ? ADHOC_KEYS.targets : '']
    .filter((key) => key !== '')
    .join(' and ');
  const verb = sourcesEmpty && targetsEmpty ? 'are' : 'is';
  return `ad-hoc jobs are off: ${keys} ${verb} empty; an admin allows them by listing the source roots (directories, s3://bucket/prefix) in ${ADHOC_KEYS.sources} and the collections in ${ADHOC_KEYS.targets} (see "Who may do what" in the README)`;
}

/** Longest part of a path quoted in a refusal: a request can carry kilobytes of it. */
const MAX_QUOTED = 200;

/** `path` as quoted in a refusal, cut to a safe length. */
export function quoted(path: string): string {
  return path.length <= MAX_QUOTED ? path : `${path.slice(0, MAX_QUOTED - 1)}…`;
}

/** "a, b" or "(none)", for messages that list the allowed roots. */
export function listRoots(roots: readonly string[]): string {
  return roots.length === 0 ? '(none)' : roots.join(', ');
}
