/**
 * Opening, writing and closing a replica for the write ops (spec §5.2.1). An open marks the
 * replica intermediate and locks the object (a second writer gets HIERARCHY_ERROR); the close
 * takes the size from storage, sets the mtime to now, clears the checksum, makes the replica good
 * and every other replica stale, then lets replication resources above it copy it to their other
 * children before the write is answered (synchronous replication on close, [test]).
 *
 * Which replica an open writes: the one on the named root resource (a new one there when the
 * object has none below it), the numbered one, or the latest good one; a new object goes to the
 * leaf the resource tree picks below the named or the default resource. An s3 replica is written
 * into a local staging file that is stored as the object at close.
 */
import { randomUUID } from 'node:crypto';
import {
  closeSync,
  constants,
  fstatSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  writeSync,
} from 'node:fs';
import { dirname } from 'node:path';
import { hasLevel, isVisible, type Principal } from './acl.js';
import type { Catalog } from './catalog.js';
import { IRODS } from './codes.js';
import {
  REPLICA_STATUS,
  latestGoodReplica,
  markOthersStale,
  nowSeconds,
  replicaNumbered,
  type DataObject,
  type Replica,
  type Resource,
} from './model.js';
import { placeBelow, replicateAfterWrite } from './replication.js';
import { StorageError } from './storage.js';

export interface OpenFlags {
  /** Default true: create and truncate. false ("0"): read-write, no create. */
  readonly truncate: boolean;
  readonly append: boolean;
  readonly resource: string | undefined;
  readonly replicaNumber: number | undefined;
}

export interface WriteSession {
  readonly object: DataObject;
  readonly replica: Replica;
  readonly fd: number;
  readonly append: boolean;
  readonly lockId: string;
  /** For an s3 replica: the local file holding its bytes until the close stores them. */
  readonly staging: string | undefined;
}

export type OpenOutcome = { ok: true; session: WriteSession } | { ok: false; code: number };

type Choice = { ok: true; object: DataObject; replica: Replica } | { ok: false; code: number };

/**
 * Opens `lpath` for writing as `who` with the open flags of §5.2.1. A failure of the storage
 * (an S3 endpoint that does not answer) is a failed open, as the server reports it.
 */
export async function openForWrite(
  catalog: Catalog,
  who: Principal,
  lpath: string,
  flags: OpenFlags,
): Promise<OpenOutcome> {
  try {
    return await open(catalog, who, lpath, flags);
  } catch (error) {
    if (error instanceof StorageError) return { ok: false, code: error.irodsCode };
    throw error;
  }
}

async function open(
  catalog: Catalog,
  who: Principal,
  lpath: string,
  flags: OpenFlags,
): Promise<OpenOutcome> {
  let root: Resource | undefined;
  if (flags.resource !== undefined) {
    const named = catalog.resources.rootNamed(flags.resource);
    if (!named.ok) return named;
    root = named.resource;
  }
  if (catalog.findCollection(lpath)) {
    return { ok: false, code: IRODS.CAT_NAME_EXISTS_AS_COLLECTION };
  }
  const existing = catalog.findDataObject(lpath);
  const choice = existing
    ? await chooseExisting(catalog, who, existing, flags, root)
    : await createForWrite(catalog, who, lpath, flags, root);
  if (!choice.ok) return choice;
  const { object, replica } = choice;
  const truncate = flags.truncate && !flags.append;
  const leaf = catalog.vaults.leafOf(replica)!;
  let staging: string | undefined;
  let path = replica.physicalPath;
  if (!catalog.vaults.isLocal(leaf)) {
    staging = catalog.vaults.stagingFile();
    path = staging;
    try {
      if (!truncate && (await catalog.vaults.storedSize(replica)) !== undefined) {
        await catalog.vaults.storageOf(leaf).fetch(replica.physicalPath, staging);
      }
    } catch (error) {
      catalog.vaults.discard(staging);
      throw error;
    }
  }
  const fd = openReplicaFile(path, truncate);
  const lockId = randomUUID();
  object.lock = lockId;
  replica.status = REPLICA_STATUS.intermediate;
  if (truncate) {
    replica.size = 0;
    replica.checksum = '';
    replica.modifyTime = nowSeconds();
  }
  catalog.saveDataObject(object);
  return { ok: true, session: { object, replica, fd, append: flags.append, lockId, staging } };
}

async function chooseExisting(
  catalog: Catalog,
  who: Principal,
  object: DataObject,
  flags: OpenFlags,
  root: Resource | undefined,
): Promise<Choice> {
  if (!isVisible(object.acl, who) || !hasLevel(object.acl, who, 'modify_object')) {
    return { ok: false, code: IRODS.CAT_NO_ACCESS_PERMISSION };
  }
  if (object.lock !== undefined) return { ok: false, code: IRODS.HIERARCHY_ERROR };
  if (root !== undefined) {
    const placement = await placeBelow(catalog, object, root);
    return placement.ok ? { ok: true, object, replica: placement.replica } : placement;
  }
  if (flags.replicaNumber !== undefined) {
    const replica = replicaNumbered(object, flags.replicaNumber);
    if (!replica) return { ok: false, code: IRODS.SYS_REPLICA_DOES_NOT_EXIST };
    return { ok: true, object, replica };
  }
  return { ok: true, object, replica: latestGoodReplica(object) ?? object.replicas[0]! };
}

async function createForWrite(
  catalog: Catalog,
  who: Principal,
  lpath: string,
  flags: OpenFlags,
  root: Resource | undefined,
): Promise<Choice> {
  if (!flags.truncate && !flags.append) return { ok: false, code: IRODS.OBJ_PATH_DOES_NOT_EXIST };
  const place = catalog.splitPath(lpath);
  if (!place?.parent) return { ok: false, code: IRODS.OBJ_PATH_DOES_NOT_EXIST };
  if (!isVisible(place.parent.acl, who) || !hasLevel(place.parent.acl, who, 'create_object')) {
    return { ok: false, code: IRODS.CAT_NO_ACCESS_PERMISSION };
  }
  if (flags.replicaNumber !== undefined) {
    return { ok: false, code: IRODS.SYS_REPLICA_DOES_NOT_EXIST };
  }
  const leaf = catalog.resources.leafForCreate(root ?? catalog.defaultResource);
  if (!leaf.ok) return leaf;
  const path = await catalog.vaults.newPhysicalPath(leaf.resource, lpath);
  // Another request may have created the object while the path was being found.
  if (catalog.findDataObject(lpath)) return { ok: false, code: IRODS.HIERARCHY_ERROR };
  const object = catalog.createDataObject(place.parent, place.name, who.name, leaf.resource, path);
  return { ok: true, object, replica: object.replicas[0]! };
}

/** Writes at `position` (append sessions always write at the end); returns the new position. */
export function writeAt(session: WriteSession, data: Buffer, position: number): number {
  const at = session.append ? fstatSync(session.fd).size : position;
  let written = 0;
  while (written < data.length) {
    written += writeSync(session.fd, data, written, data.length - written, at + written);
  }
  return at + data.length;
}

/**
 * Closes the replica and updates the catalog (size from storage, mtime now, checksum cleared),
 * then replicates it where a replication resource above it asks for that.
 */
export async function closeWrite(catalog: Catalog, session: WriteSession): Promise<void> {
  const { object, replica } = session;
  try {
    replica.size = fstatSync(session.fd).size;
  } finally {
    closeSync(session.fd);
  }
  let stored = true;
  if (session.staging !== undefined) {
    try {
      await catalog.vaults.storageFor(replica).store(replica.physicalPath, session.staging);
    } catch (error) {
      console.error('irods-emulator: storing a written replica failed:', error);
      stored = false;
    } finally {
      catalog.vaults.discard(session.staging);
    }
  }
  replica.modifyTime = nowSeconds();
  replica.checksum = '';
  replica.status = stored ? REPLICA_STATUS.good : REPLICA_STATUS.stale;
  if (stored) markOthersStale(object, replica);
  try {
    if (!catalog.isLive(object)) return;
    catalog.saveDataObject(object);
    // The object stays locked until its replication resources have their copies.
    if (stored) await replicateAfterWrite(catalog, object, replica);
  } finally {
    if (object.lock === session.lockId) object.lock = undefined;
  }
}

function openReplicaFile(path: string, truncate: boolean): number {
  mkdirSync(dirname(path), { recursive: true });
  const mode = truncate
    ? constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC
    : constants.O_RDWR | constants.O_CREAT;
  const fd = openSync(path, mode, 0o644);
  if (truncate) ftruncateSync(fd, 0);
  return fd;
}
