/**
 * Journal records (see journal.ts): one JSON line per whole entity, or its deletion. Records
 * store ids instead of paths and links, so a rename or re-parenting touches one record.
 *
 * Layouts read here, oldest first:
 * - before resources were modelled: no `resc` records (the one resource came from the config),
 *   replicas named their resource (`resource: "demoResc"`), had no access time, and users had no
 *   AVUs. Such replicas are matched to the resource of that name once the config's resources
 *   exist (see Catalog.open), their access time is their modify time, and users get no AVUs.
 * - current: `resc` records, replicas with `resourceId` and `accessTime`, users with `avus`.
 */
import type { UserType } from './acl.js';
import type {
  Avu,
  Collection,
  DataObject,
  Replica,
  ReplicaStatus,
  Resource,
  User,
} from './model.js';

/** A replica as stored: the current layout, or the older one naming its resource. */
export type ReplicaRecord =
  | Replica
  | (Omit<Replica, 'resourceId' | 'accessTime'> & { resource: string; accessTime?: number });

export type JournalRecord =
  | {
      k: 'user';
      id: number;
      name: string;
      type: UserType;
      pw: string;
      ct: number;
      members: string[];
      avus?: Avu[];
    }
  | {
      k: 'resc';
      id: number;
      name: string;
      type: string;
      host: string;
      vault: string;
      context: string;
      parent: number;
      parentContext: string;
      status: string;
      comments: string;
      info: string;
      free: string;
      freeTime: number;
      ct: number;
      mt: number;
      mtMillis: number;
      avus: Avu[];
    }
  | {
      k: 'coll';
      id: number;
      parent: number;
      name: string;
      owner: string;
      ct: number;
      mt: number;
      inh: boolean;
      acl: [string, number][];
      avus: Avu[];
    }
  | {
      k: 'data';
      id: number;
      coll: number;
      name: string;
      owner: string;
      ct: number;
      acl: [string, number][];
      avus: Avu[];
      replicas: ReplicaRecord[];
    }
  | { k: 'user' | 'resc' | 'coll' | 'data'; id: number; deleted: true };

export type RecordKind = JournalRecord['k'];
export type LiveRecord = Exclude<JournalRecord, { deleted: true }>;
export type RecordOf<K extends RecordKind> = Extract<LiveRecord, { k: K }>;

export function userRecord(user: User): JournalRecord {
  return {
    k: 'user',
    id: user.id,
    name: user.name,
    type: user.type,
    pw: user.password,
    ct: user.createTime,
    members: [...user.members],
    avus: user.avus,
  };
}

export function resourceRecord(resource: Resource): JournalRecord {
  return {
    k: 'resc',
    id: resource.id,
    name: resource.name,
    type: resource.type,
    host: resource.host,
    vault: resource.vaultPath,
    context: resource.context,
    parent: resource.parent ?? 0,
    parentContext: resource.parentContext,
    status: resource.status,
    comments: resource.comments,
    info: resource.information,
    free: resource.freeSpace,
    freeTime: resource.freeSpaceTime,
    ct: resource.createTime,
    mt: resource.modifyTime,
    mtMillis: resource.modifyMillis,
    avus: resource.avus,
  };
}

export function collectionRecord(coll: Collection): JournalRecord {
  return {
    k: 'coll',
    id: coll.id,
    parent: coll.parent?.id ?? 0,
    name: coll.name,
    owner: coll.owner,
    ct: coll.createTime,
    mt: coll.modifyTime,
    inh: coll.inheritance,
    acl: [...coll.acl],
    avus: coll.avus,
  };
}

export function dataObjectRecord(object: DataObject): JournalRecord {
  return {
    k: 'data',
    id: object.id,
    coll: object.collection.id,
    name: object.name,
    owner: object.owner,
    ct: object.createTime,
    acl: [...object.acl],
    avus: object.avus,
    replicas: object.replicas,
  };
}

export function userFromRecord(record: RecordOf<'user'>): User {
  return {
    id: record.id,
    name: record.name,
    type: record.type,
    password: record.pw,
    createTime: record.ct,
    members: new Set(record.members),
    avus: record.avus ?? [],
  };
}

export function resourceFromRecord(record: RecordOf<'resc'>): Resource {
  return {
    id: record.id,
    name: record.name,
    type: record.type,
    host: record.host,
    vaultPath: record.vault,
    context: record.context,
    parent: record.parent === 0 ? undefined : record.parent,
    parentContext: record.parentContext,
    status: record.status,
    comments: record.comments,
    information: record.info,
    freeSpace: record.free,
    freeSpaceTime: record.freeTime,
    createTime: record.ct,
    modifyTime: record.mt,
    modifyMillis: record.mtMillis,
    avus: record.avus,
  };
}

/**
 * A stored replica in the current layout. `resourceIdOf` resolves the resource name of the older
 * layout; the intermediate status of a replica whose writer died with the process becomes stale.
 */
export function replicaFromRecord(
  record: ReplicaRecord,
  resourceIdOf: (name: string) => number,
): Replica {
  const resourceId = 'resourceId' in record ? record.resourceId : resourceIdOf(record.resource);
  const status: ReplicaStatus = record.status === 2 ? 0 : record.status;
  return {
    number: record.number,
    resourceId,
    physicalPath: record.physicalPath,
    size: record.size,
    checksum: record.checksum,
    status,
    createTime: record.createTime,
    modifyTime: record.modifyTime,
    accessTime: record.accessTime ?? record.modifyTime,
  };
}
