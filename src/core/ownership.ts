/**
 * What a job owns in iRODS, for deleting nothing else. A job records what it created; below a
 * vanished directory it removes exactly its recorded entries, never what it finds there. For
 * `unregister` the recorded object is not enough: people register their own replicas, and a
 * catalog-only removal of an object whose replica is not the job's leaves that replica's file
 * orphaned on the server. So an object is unregistered only when every replica is a file the
 * job registered: under the source, one of them at the entry's own path.
 */
import { utf8OrUndefined } from './entry.js';
import { isS3Source, physicalPathOf, s3AddressOf } from './s3-keys.js';

/**
 * The physical path a register job gives the file at `relPath`; undefined when not UTF-8. An S3
 * object's is `/bucket/key`.
 */
export function registeredPathOf(source: string, relPath: Uint8Array): string | undefined {
  if (isS3Source(source)) return physicalPathOf(s3AddressOf(source), relPath);
  const text = utf8OrUndefined(relPath);
  if (text === undefined) return undefined;
  return source === '/' ? `/${text}` : `${source}/${text}`;
}

export const REGISTRATION = {
  /** No replica at all: already gone. */
  gone: 'gone',
  /** Every replica is the job's: unregistering removes only what the job registered. */
  owned: 'owned',
  /** Some replica is not the job's: unregistering would orphan it. */
  foreign: 'foreign',
} as const;
export type Registration = (typeof REGISTRATION)[keyof typeof REGISTRATION];

export function registrationOf(
  source: string,
  expected: string | undefined,
  replicaPaths: readonly string[],
): Registration {
  if (replicaPaths.length === 0) return REGISTRATION.gone;
  if (expected === undefined || !replicaPaths.includes(expected)) return REGISTRATION.foreign;
  const under = sourceUnder(source);
  return replicaPaths.every((path) => path.startsWith(under))
    ? REGISTRATION.owned
    : REGISTRATION.foreign;
}

/** What the physical paths of the source's files start with. */
function sourceUnder(source: string): string {
  if (!isS3Source(source)) return source === '/' ? '/' : `${source}/`;
  const { bucket, keyPrefix } = s3AddressOf(source);
  return `/${bucket}/${keyPrefix}`;
}
