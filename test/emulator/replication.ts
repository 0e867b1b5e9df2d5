/**
 * Copying a good replica onto another resource (spec §5.2.16): the `replicate` op, and the
 * synchronous replication a replication resource performs when a replica below it is closed
 * after a write (its fileModified, plugins/resources/replication/src/librepl.cpp).
 *
 * As rsDataObjRepl finalizes a destination: it becomes good, its mtime is now, and it keeps a
 * checksum only when the source has one (the copy's is computed and recorded then).
 */
import { randomUUID } from 'node:crypto';
import type { Catalog } from './catalog.js';
import { newReplica } from './catalog.js';
import { schemeOf } from './checksum.js';
import {
  REPLICA_STATUS,
  nextReplicaNumber,
  nowSeconds,
  type DataObject,
  type Replica,
  type Resource,
} from './model.js';

/** Where a copy goes below `target`: the replica already there (latest first), else a new one. */
export type Placement =
  { ok: true; replica: Replica; created: boolean } | { ok: false; code: number };

/** Finds or creates the replica below `target` that a copy of the object lands on. */
export async function placeBelow(
  catalog: Catalog,
  object: DataObject,
  target: Resource,
): Promise<Placement> {
  const [existing] = catalog.resources.replicasBelow(object, target);
  if (existing) return { ok: true, replica: existing, created: false };
  const leaf = catalog.resources.leafForCreate(target);
  if (!leaf.ok) return leaf;
  const path = await catalog.vaults.newPhysicalPath(leaf.resource, catalog.dataObjectPath(object));
  const replica = newReplica(nextReplicaNumber(object), leaf.resource, path, REPLICA_STATUS.stale);
  object.replicas.push(replica);
  return { ok: true, replica, created: true };
}

/** Brings `destination` up to date from the good replica `source` and saves the object. */
export async function copyReplica(
  catalog: Catalog,
  object: DataObject,
  source: Replica,
  destination: Replica,
): Promise<void> {
  destination.status = REPLICA_STATUS.intermediate;
  try {
    destination.size = await catalog.vaults.copy(source, destination);
    destination.checksum =
      source.checksum === ''
        ? ''
        : await catalog.vaults.checksum(destination, schemeOf(source.checksum));
    destination.status = REPLICA_STATUS.good;
  } catch (error) {
    destination.status = REPLICA_STATUS.stale;
    throw error;
  } finally {
    destination.modifyTime = nowSeconds();
    if (catalog.isLive(object)) catalog.saveDataObject(object);
  }
}

/**
 * Runs `work` with the object locked, as the server locks the replicas a replication reads and
 * writes: meanwhile a writer gets HIERARCHY_ERROR and a remove is refused. Undefined when the
 * object is already locked.
 */
export async function whileLocked<T>(
  object: DataObject,
  work: () => Promise<T>,
): Promise<{ value: T } | undefined> {
  if (object.lock !== undefined) return undefined;
  const lockId = randomUUID();
  object.lock = lockId;
  try {
    return { value: await work() };
  } finally {
    if (object.lock === lockId) object.lock = undefined;
  }
}

/**
 * The synchronous replication owed after `written` was closed: every sibling subtree of each
 * replication resource above it gets an up-to-date replica. Returns the first failure's code, as
 * the close reports it; the copies that succeeded stay.
 */
export async function replicateAfterWrite(
  catalog: Catalog,
  object: DataObject,
  written: Replica,
): Promise<number> {
  let failure = 0;
  for (const target of catalog.resources.replicationTargets(written)) {
    const placement = await placeBelow(catalog, object, target);
    if (!placement.ok) {
      failure ||= placement.code;
      continue;
    }
    try {
      await copyReplica(catalog, object, written, placement.replica);
    } catch (error) {
      failure ||= (error as { irodsCode?: number }).irodsCode ?? -1;
    }
  }
  return failure;
}
