/**
 * The in-memory catalog entities (spec §7) and their journal records. Entities are linked into a
 * tree (collections know their parent and children) so that path lookups cost O(depth) and a
 * rename touches one record; records store parent ids instead of paths for the same reason.
 */
import type { UserType } from './acl.js';

export interface Avu {
  readonly id: number;
  readonly attribute: string;
  readonly value: string;
  readonly units: string;
}

export interface User {
  readonly id: number;
  readonly name: string;
  type: UserType;
  password: string;
  readonly createTime: number;
  /** Members, for groups only. Every user is implicitly in `public`. */
  readonly members: Set<string>;
}

export interface Resource {
  readonly id: number;
  readonly name: string;
  readonly type: string;
  readonly host: string;
  readonly vaultPath: string;
  readonly createTime: number;
  readonly modifyTime: number;
}

export const REPLICA_STATUS = { stale: 0, good: 1, intermediate: 2 } as const;
export type ReplicaStatus = (typeof REPLICA_STATUS)[keyof typeof REPLICA_STATUS];

export interface Replica {
  readonly number: number;
  resource: string;
  physicalPath: string;
  size: number;
  checksum: string;
  status: ReplicaStatus;
  readonly createTime: number;
  modifyTime: number;
}

export interface Collection {
  readonly id: number;
  parent: Collection | undefined;
  name: string;
  owner: string;
  readonly createTime: number;
  modifyTime: number;
  inheritance: boolean;
  readonly acl: Map<string, number>;
  avus: Avu[];
  readonly collections: Map<string, Collection>;
  readonly objects: Map<string, DataObject>;
}

export interface DataObject {
  readonly id: number;
  collection: Collection;
  name: string;
  owner: string;
  readonly createTime: number;
  readonly acl: Map<string, number>;
  avus: Avu[];
  replicas: Replica[];
  /** In memory only: the parallel-write handle or request that holds the object open. */
  lock: string | undefined;
}

/** One journal line: an upsert of a whole entity, or its deletion. */
export type JournalRecord =
  | {
      k: 'user';
      id: number;
      name: string;
      type: UserType;
      pw: string;
      ct: number;
      members: string[];
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
      replicas: Replica[];
    }
  | { k: 'user' | 'coll' | 'data'; id: number; deleted: true };

export type RecordKind = JournalRecord['k'];

export function userRecord(user: User): JournalRecord {
  return {
    k: 'user',
    id: user.id,
    name: user.name,
    type: user.type,
    pw: user.password,
    ct: user.createTime,
    members: [...user.members],
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

/** Seconds since the epoch, the unit of every catalog time (§7.4). */
export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}
