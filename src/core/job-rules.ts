/**
 * The rules a job definition must follow: its closed vocabularies, which delete modes go with
 * which operation (as upstream automated ingest defines them, research/upstream-ingest.md §2),
 * and the shape of names, sources and targets.
 */
import { isWithin, logicalPathProblem } from './logical-path.js';

export const OPERATIONS = {
  register: 'register',
  registerReplica: 'register_replica',
  put: 'put',
  putSync: 'put_sync',
  putAppend: 'put_append',
  none: 'none',
} as const;
export type Operation = (typeof OPERATIONS)[keyof typeof OPERATIONS];

const SENDS_BYTES: ReadonlySet<Operation> = new Set([
  OPERATIONS.put,
  OPERATIONS.putSync,
  OPERATIONS.putAppend,
]);

/** Whether the operation's actions upload file bytes (the others register or only record). */
export function sendsBytes(operation: Operation): boolean {
  return SENDS_BYTES.has(operation);
}

/** Whether the operation registers files in place (a physical path of their own in iRODS). */
export function registers(operation: Operation): boolean {
  return operation === OPERATIONS.register || operation === OPERATIONS.registerReplica;
}

export const DELETE_MODES = {
  keep: 'keep',
  unregister: 'unregister',
  trash: 'trash',
  noTrash: 'no_trash',
} as const;
export type DeleteMode = (typeof DELETE_MODES)[keyof typeof DELETE_MODES];

/** Entry types a job can skip; regular files and directories are always synced. */
export const EXCLUDE_TYPES = {
  socket: 'socket',
  fifo: 'fifo',
  char: 'char',
  block: 'block',
  symlink: 'symlink',
} as const;
export type ExcludeType = (typeof EXCLUDE_TYPES)[keyof typeof EXCLUDE_TYPES];

export const CHECKSUM_MODES = { none: 'none', register: 'register', verify: 'verify' } as const;
export type ChecksumMode = (typeof CHECKSUM_MODES)[keyof typeof CHECKSUM_MODES];

/**
 * What a change of the status change time alone (same size, mtime and inode) means. `check`
 * compares the file's content with the object's checksum in iRODS, since a write with the mtime
 * put back (`touch -r`, `cp -p`, `tar x`, `rsync -t`) looks exactly like a chmod; `ignore` takes
 * it for a chmod or chown and moves nothing.
 */
export const CTIME_CHANGES = { check: 'check', ignore: 'ignore' } as const;
export type CtimeChanges = (typeof CTIME_CHANGES)[keyof typeof CTIME_CHANGES];

/**
 * Unregistering only makes sense for registered data (the bytes stay in place); trash and
 * no_trash remove bytes iRODS owns, which only the syncing put operations create. Upstream
 * refuses every other pair before syncing anything; so do we, at config time.
 */
const ALLOWED_DELETE_MODES: Readonly<Record<Operation, readonly DeleteMode[]>> = {
  register: ['keep', 'unregister'],
  register_replica: ['keep', 'unregister'],
  put: ['keep'],
  put_sync: ['keep', 'trash', 'no_trash'],
  put_append: ['keep', 'trash', 'no_trash'],
  none: ['keep'],
};

export function allowedDeleteModes(operation: Operation): readonly DeleteMode[] {
  return ALLOWED_DELETE_MODES[operation];
}

export const JOB_NAME_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;

export function jobNameProblem(name: string): string | undefined {
  if (JOB_NAME_PATTERN.test(name)) return undefined;
  return 'is not a valid job name (1 to 64 of A-Z a-z 0-9 . _ -)';
}

/** A logical path without its trailing slashes ("/" stays "/"). */
export function trimTrailingSlashes(path: string): string {
  const trimmed = path.replace(/\/+$/, '');
  return trimmed === '' && path.startsWith('/') ? '/' : trimmed;
}

/**
 * Why `target` (already trimmed) cannot be a job's target collection in `zone`. Without a zone
 * (it is itself invalid) only the zone-independent rules apply.
 */
export function targetProblem(target: string, zone: string | undefined): string | undefined {
  if (target === '/')
    return 'is "/"; the root may only hold zones, use a collection inside the zone';
  const shape = logicalPathProblem(target);
  if (shape !== undefined) return `is not a valid logical path: ${shape}`;
  if (target.split('/').some((segment) => segment === '.' || segment === '..')) {
    return 'has a "." or ".." element; write the collection path out in full';
  }
  if (zone === undefined) return undefined;
  if (target === `/${zone}`)
    return `is the zone itself; use a collection inside it, e.g. "/${zone}/home/..."`;
  if (!target.startsWith(`/${zone}/`))
    return `is outside the zone "${zone}" (it must start with "/${zone}/")`;
  return undefined;
}

/** Why `path` is not an absolute local path (for sockets, directories, handlers, sources). */
export function localPathProblem(path: string): string | undefined {
  if (!path.startsWith('/')) return 'is not an absolute path';
  if (path.includes('\0')) return 'contains a NUL character';
  if (path.split('/').some((segment) => segment === '.' || segment === '..')) {
    return 'has a "." or ".." element; write the path out in full';
  }
  return undefined;
}

const S3_BUCKET_PATTERN = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/** Why `source` is neither an absolute local path nor `s3://bucket[/prefix]`. */
export function sourceProblem(source: string): string | undefined {
  if (source.startsWith('s3://')) {
    const bucket = source.slice('s3://'.length).split('/')[0] ?? '';
    if (!S3_BUCKET_PATTERN.test(bucket)) {
      return `has an invalid S3 bucket name "${bucket}" (3 to 63 of a-z 0-9 . -)`;
    }
    return undefined;
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(source)) {
    return 'has an unsupported scheme; use an absolute path or "s3://bucket/prefix"';
  }
  const local = localPathProblem(source);
  return local === undefined ? undefined : `${local}; use an absolute path or "s3://bucket/prefix"`;
}

export const ZONE_NAME_PATTERN = /^[A-Za-z0-9_.-]+$/;

export function zoneNameProblem(zone: string): string | undefined {
  return ZONE_NAME_PATTERN.test(zone) ? undefined : 'is not a zone name (letters, digits, _ . -)';
}

/** Why `path` is not usable as an event handler module ("" means no handler). */
export function handlerProblem(path: string): string | undefined {
  if (path === '') return undefined;
  const local = localPathProblem(path);
  if (local !== undefined) return local;
  if (!/\.(mjs|js|ts)$/.test(path)) return 'must be a .mjs, .js or .ts module';
  return undefined;
}

/**
 * Why `name` cannot be a `source_marker` ("" means none): a plain file name in the source root,
 * without glob characters (the marker is excluded from the sync by name).
 */
export function sourceMarkerProblem(name: string): string | undefined {
  if (name === '') return undefined;
  if (name === '.' || name === '..' || name.includes('/') || name.includes('\0')) {
    return 'must be the name of a file in the source root (no "/", not "." or "..")';
  }
  if (/[*?[\]{}()!+@\\]/.test(name)) {
    return 'must not contain glob characters (* ? [ ] { } ( ) ! + @ \\)';
  }
  return undefined;
}

/**
 * How target `a` relates to target `b` when they overlap: equal, or one inside the other;
 * undefined when neither holds the other.
 */
export function targetOverlap(a: string, b: string): 'equal' | 'inside' | 'around' | undefined {
  if (a === b) return 'equal';
  if (isWithin(a, b)) return 'inside';
  if (isWithin(b, a)) return 'around';
  return undefined;
}

/** The exclude globs a job's scans and watcher apply: its own, and its source marker. */
export function excludeGlobs(exclude: readonly string[], sourceMarker: string): string[] {
  return sourceMarker === '' ? [...exclude] : [...exclude, sourceMarker];
}
