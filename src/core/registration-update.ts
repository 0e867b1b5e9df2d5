/**
 * What the catalog entry of a file registered in place needs so that it describes the file as it
 * is now: the replica that points at the file is found with some size, mtime and checksum, and
 * only what differs is rewritten (modify_replica).
 *
 * A register or update whose answer was lost, or whose next step (the mtime, the checksum) failed,
 * is tried again; sending the size again then would be a second registration of a file that did
 * not change. So:
 *
 * - the size goes only when it differs, the mtime only when it differs (iRODS keeps whole
 *   seconds);
 * - whenever either goes, the stored checksum is cleared, since it may describe other bytes (the
 *   checksum step computes it again where the job asks for one);
 * - with both equal, nothing is sent, except for clearing a checksum no later step computes: a
 *   file rewritten within the same second at the same size looks the same, and a stale checksum
 *   must not stay. Where the job asks for a checksum, its step recomputes it anyway.
 */

/** The catalog's facts of the replica at the file's physical path. */
export interface RegisteredFacts {
  readonly size: number;
  /** Seconds since the epoch. */
  readonly modifiedAt: number;
  /** As iRODS stores it; "" when none has been computed. */
  readonly checksum: string;
}

/** The file as the action saw it: bytes and mtime in whole seconds. */
export interface FileFacts {
  readonly size: number;
  readonly modifiedAt: number;
}

/** The changes to send; a key is absent when that fact stays. */
export interface RegistrationChanges {
  size?: number;
  modifiedAt?: number;
  checksum?: '';
}

/**
 * The changes that bring `replica` in line with `file`, or undefined when it describes the file
 * already. `checksumFollows`: a later step of the action has the server compute the checksum.
 */
export function registrationUpdate(
  replica: RegisteredFacts,
  file: FileFacts,
  checksumFollows: boolean,
): RegistrationChanges | undefined {
  const changes: RegistrationChanges = {};
  if (replica.size !== file.size) changes.size = file.size;
  if (replica.modifiedAt !== file.modifiedAt) changes.modifiedAt = file.modifiedAt;
  const differs = Object.keys(changes).length > 0;
  if (differs || (replica.checksum !== '' && !checksumFollows)) changes.checksum = '';
  return Object.keys(changes).length > 0 ? changes : undefined;
}
