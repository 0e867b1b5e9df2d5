/**
 * The resource tree (spec §7.1, §7.2): storage resources (unixfilesystem, s3) hold replicas;
 * coordinating ones (passthru, replication) route to their children. A replica lives on a leaf
 * and its hierarchy is the chain of names from the root down to that leaf, `root;...;leaf`.
 *
 * Choices a real server makes by vote are made here deterministically: where the children of a
 * replication resource vote equally (the usual case on one host) the first child by name wins
 * [inf: iRODS keeps equal votes in the order of an unordered child map, so the real choice is
 * unspecified]. Pure: no I/O.
 */
import { IRODS } from './codes.js';
import type { DataObject, Replica, Resource } from './model.js';

export const RESOURCE_TYPES = {
  unixfilesystem: 'unixfilesystem',
  s3: 's3',
  passthru: 'passthru',
  replication: 'replication',
} as const;

/** What rsGeneralAdmin stores for a resource created without `host:path`. */
export const EMPTY_RESC_HOST = 'EMPTY_RESC_HOST';
export const EMPTY_RESC_PATH = 'EMPTY_RESC_PATH';

const STORAGE_TYPES: ReadonlySet<string> = new Set([RESOURCE_TYPES.unixfilesystem, 's3']);
const COORDINATING_TYPES: ReadonlySet<string> = new Set(['passthru', 'replication']);

/** A resource, or the iRODS code that refuses it. */
export type Resolution = { ok: true; resource: Resource } | { ok: false; code: number };

export class ResourceTree {
  readonly #byId = new Map<number, Resource>();

  add(resource: Resource): void {
    this.#byId.set(resource.id, resource);
  }

  delete(resource: Resource): void {
    this.#byId.delete(resource.id);
  }

  /** Every resource, oldest first. */
  all(): Resource[] {
    return [...this.#byId.values()].sort((a, b) => a.id - b.id);
  }

  byId(id: number): Resource | undefined {
    return this.#byId.get(id);
  }

  byName(name: string): Resource | undefined {
    for (const resource of this.#byId.values()) if (resource.name === name) return resource;
    return undefined;
  }

  /** Children in name order (the order of equal votes, see above). */
  children(resource: Resource): Resource[] {
    return [...this.#byId.values()]
      .filter((child) => child.parent === resource.id)
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  parent(resource: Resource): Resource | undefined {
    return resource.parent === undefined ? undefined : this.#byId.get(resource.parent);
  }

  /** The resource and its ancestors, the resource first. */
  lineage(resource: Resource): Resource[] {
    const chain: Resource[] = [];
    for (let at: Resource | undefined = resource; at; at = this.parent(at)) chain.push(at);
    return chain;
  }

  root(resource: Resource): Resource {
    return this.lineage(resource).at(-1)!;
  }

  /** `root;...;leaf`, the value of DATA_RESC_HIER. */
  hierarchy(resource: Resource): string {
    return this.lineage(resource)
      .reverse()
      .map((r) => r.name)
      .join(';');
  }

  /** The replica's hierarchy, or its leaf id if that resource is gone (cannot happen: see remove). */
  replicaHierarchy(replica: Replica): string {
    const leaf = this.#byId.get(replica.resourceId);
    return leaf ? this.hierarchy(leaf) : String(replica.resourceId);
  }

  /** Whether `leafId` is `ancestor` or below it. */
  contains(ancestor: Resource, leafId: number): boolean {
    const leaf = this.#byId.get(leafId);
    return leaf !== undefined && this.lineage(leaf).includes(ancestor);
  }

  isStorage(resource: Resource): boolean {
    return STORAGE_TYPES.has(resource.type);
  }

  isCoordinating(resource: Resource): boolean {
    return COORDINATING_TYPES.has(resource.type);
  }

  /**
   * The root resource a client names for an open (`resource` of write, read, parallel_write_init,
   * copy, replicate): unknown → SYS_RESC_DOES_NOT_EXIST, a child → DIRECT_CHILD_ACCESS [test].
   */
  rootNamed(name: string): Resolution {
    const resource = this.byName(name);
    if (!resource) return { ok: false, code: IRODS.SYS_RESC_DOES_NOT_EXIST };
    if (resource.parent !== undefined) return { ok: false, code: IRODS.DIRECT_CHILD_ACCESS };
    return { ok: true, resource };
  }

  /**
   * The leaf a new replica below `resource` is created on: a storage resource is its own leaf,
   * a coordinating one passes the choice to its first child. No children → CHILD_NOT_FOUND (the
   * replication plugin's "No children found for resource"); a type without a plugin here →
   * SYS_INVALID_RESC_TYPE; a storage resource without a vault → SYS_INVALID_FILE_PATH.
   */
  leafForCreate(resource: Resource): Resolution {
    if (this.isStorage(resource)) return this.withVault(resource);
    if (!this.isCoordinating(resource)) return { ok: false, code: IRODS.SYS_INVALID_RESC_TYPE };
    const [first] = this.children(resource);
    if (!first) return { ok: false, code: IRODS.CHILD_NOT_FOUND };
    return this.leafForCreate(first);
  }

  /**
   * A storage resource that can hold new replicas: its vault must be an absolute path (one made
   * without a location has EMPTY_RESC_PATH), or new files would land relative to the process.
   */
  withVault(resource: Resource): Resolution {
    return resource.vaultPath.startsWith('/')
      ? { ok: true, resource }
      : { ok: false, code: IRODS.SYS_INVALID_FILE_PATH };
  }

  /** The object's replicas on leaves below `resource`, the latest good one first. */
  replicasBelow(object: DataObject, resource: Resource): Replica[] {
    return object.replicas
      .filter((replica) => this.contains(resource, replica.resourceId))
      .sort((a, b) => b.status - a.status || b.modifyTime - a.modifyTime);
  }

  /**
   * What a synchronous replication owes after `written` changed: for every replication resource
   * above it, each other child's subtree, where an up-to-date copy must land (on the replica
   * already there, else on a new one).
   */
  replicationTargets(written: Replica): Resource[] {
    const leaf = this.#byId.get(written.resourceId);
    if (!leaf) return [];
    const chain = this.lineage(leaf);
    const targets: Resource[] = [];
    for (let i = 1; i < chain.length; i++) {
      const node = chain[i]!;
      if (node.type !== RESOURCE_TYPES.replication) continue;
      const via = chain[i - 1]!;
      for (const child of this.children(node)) if (child !== via) targets.push(child);
    }
    return targets;
  }
}
