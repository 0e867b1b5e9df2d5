/**
 * The in-memory catalog entities (spec §7). Entities are linked into a tree (collections know
 * their parent and children) so that path lookups cost O(depth) and a rename touches one record.
 * A replica names its leaf resource by id, as the catalog's `resc_id` does; its hierarchy
 * (`DATA_RESC_HIER`) is derived from the resource tree when asked for, so re-parenting or renaming
 * a resource never rewrites data objects. The journal records live in records.ts.
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
  avus: Avu[];
}

/**
 * A resource as R_RESC_MAIN holds it. Coordinating resources (passthru, replication) store
 * `EMPTY_RESC_HOST` and `EMPTY_RESC_PATH` when created without a location (rsGeneralAdmin).
 */
export interface Resource {
  readonly id: number;
  name: string;
  type: string;
  host: string;
  vaultPath: string;
  context: string;
  /** The parent resource's id, or undefined for a root. */
  parent: number | undefined;
  parentContext: string;
  /** "", "up" or "down". */
  status: string;
  comments: string;
  information: string;
  freeSpace: string;
  freeSpaceTime: number;
  readonly createTime: number;
  modifyTime: number;
  modifyMillis: number;
  avus: Avu[];
}

export const REPLICA_STATUS = { stale: 0, good: 1, intermediate: 2 } as const;
export type ReplicaStatus = (typeof REPLICA_STATUS)[keyof typeof REPLICA_STATUS];

export interface Replica {
  number: number;
  /** Id of the leaf resource holding the replica. */
  resourceId: number;
  physicalPath: string;
  size: number;
  checksum: string;
  status: ReplicaStatus;
  createTime: number;
  modifyTime: number;
  accessTime: number;
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

/** Seconds since the epoch, the unit of every catalog time (§7.4). */
export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

/** The replica with that number, if any. */
export function replicaNumbered(object: DataObject, number: number): Replica | undefined {
  return object.replicas.find((replica) => replica.number === number);
}

/** The latest good replica: largest mtime among status 1 (§5.2.5). */
export function latestGoodReplica(object: DataObject): Replica | undefined {
  let best: Replica | undefined;
  for (const replica of object.replicas) {
    if (replica.status !== REPLICA_STATUS.good) continue;
    if (!best || replica.modifyTime > best.modifyTime) best = replica;
  }
  return best;
}

/** The number a new replica gets: one above the highest in use. */
export function nextReplicaNumber(object: DataObject): number {
  return Math.max(-1, ...object.replicas.map((replica) => replica.number)) + 1;
}

/** Every other good replica becomes stale: `fresh` now holds the newest bytes (§5.2.1). */
export function markOthersStale(object: DataObject, fresh: Replica): void {
  for (const replica of object.replicas) {
    if (replica !== fresh && replica.status === REPLICA_STATUS.good) {
      replica.status = REPLICA_STATUS.stale;
    }
  }
}
