/**
 * The emulated iRODS catalog (spec §7): one zone, users and groups, the resource tree, the
 * collection tree with its data objects and replicas, ACLs and AVUs. Every mutation goes through
 * a `save*`/`delete*` method so that it is journaled (see journal.ts for the persistence scheme,
 * records.ts for the record layouts); the bytes of replicas are the business of vaults.ts.
 */
import { mkdirSync } from 'node:fs';
import { PERMISSION_LEVELS, USER_TYPES, type Principal } from './acl.js';
import { loadContents } from './catalog-load.js';
import type { ResourceDeclaration } from './config.js';
import { Journal } from './journal.js';
import {
  REPLICA_STATUS,
  nowSeconds,
  type Collection,
  type DataObject,
  type Replica,
  type Resource,
  type User,
} from './model.js';
import {
  collectionRecord,
  dataObjectRecord,
  resourceRecord,
  userRecord,
  type JournalRecord,
} from './records.js';
import type { ResourceTree } from './resources.js';
import { Vaults } from './vaults.js';

export interface CatalogOptions {
  readonly root: string;
  readonly zone: string;
  readonly adminName: string;
  readonly adminPassword: string;
  /** The root resource of creates that name none. */
  readonly defaultResource: string;
  readonly resources: readonly ResourceDeclaration[];
  readonly compactionThreshold: number;
}

const PUBLIC_GROUP = 'public';

export class Catalog {
  readonly zone: string;
  readonly users: Map<string, User>;
  readonly resources: ResourceTree;
  readonly vaults: Vaults;
  readonly #defaultResource: number;
  readonly #collections: Map<number, Collection>;
  readonly #objects: Map<number, DataObject>;
  readonly #journal: Journal;
  readonly #threshold: number;
  #root: Collection | undefined;
  #nextId: number;

  private constructor(options: CatalogOptions, journal: Journal, records: JournalRecord[]) {
    this.zone = options.zone;
    this.#journal = journal;
    this.#threshold = options.compactionThreshold;
    const contents = loadContents(records, options.root, options.resources);
    this.users = contents.users;
    this.resources = contents.resources;
    this.#collections = contents.collections;
    this.#objects = contents.objects;
    this.#root = contents.root;
    this.#nextId = contents.nextId;
    this.vaults = new Vaults(options.root, this.resources);
    // Held by id, so that renaming it keeps it the default (config-resources.ts checked it).
    this.#defaultResource = this.resources.byName(options.defaultResource)!.id;
    for (const resource of contents.created) this.saveResource(resource);
  }

  /** Loads the catalog stored under `options.root`, or creates the initial state of §7.1. */
  static open(options: CatalogOptions): Catalog {
    mkdirSync(options.root, { recursive: true });
    const { journal, records } = Journal.open(options.root);
    const catalog = new Catalog(options, journal, [...records.values()]);
    if (catalog.#root === undefined) catalog.#initialize(options);
    return catalog;
  }

  /** The root resource of creates that name none (it cannot be removed, see ops/resources.ts). */
  get defaultResource(): Resource {
    return this.resources.byId(this.#defaultResource)!;
  }

  get root(): Collection {
    return this.#root!;
  }

  get collectionCount(): number {
    return this.#collections.size;
  }

  get dataObjectCount(): number {
    return this.#objects.size;
  }

  collections(): IterableIterator<Collection> {
    return this.#collections.values();
  }

  dataObjects(): IterableIterator<DataObject> {
    return this.#objects.values();
  }

  newId(): number {
    return this.#nextId++;
  }

  /** The caller as ACL checks see it, or undefined for an unknown user. */
  principal(name: string): Principal | undefined {
    const user = this.users.get(name);
    if (!user || user.type === USER_TYPES.rodsgroup) return undefined;
    const groups = new Set<string>([PUBLIC_GROUP]);
    for (const group of this.users.values()) {
      if (group.type === USER_TYPES.rodsgroup && group.members.has(name)) groups.add(group.name);
    }
    return { name, admin: user.type === USER_TYPES.rodsadmin, groups };
  }

  /** Path segments of an absolute logical path, or undefined if it cannot name anything. */
  static segments(lpath: string): string[] | undefined {
    if (!lpath.startsWith('/')) return undefined;
    const trimmed = lpath.replace(/\/+$/, '');
    if (trimmed === '') return [];
    const parts = trimmed.slice(1).split('/');
    return parts.every((part) => part !== '' && part !== '.' && part !== '..') ? parts : undefined;
  }

  findCollection(lpath: string): Collection | undefined {
    const parts = Catalog.segments(lpath);
    if (!parts) return undefined;
    let coll: Collection | undefined = this.root;
    for (const part of parts) {
      coll = coll.collections.get(part);
      if (!coll) return undefined;
    }
    return coll;
  }

  findDataObject(lpath: string): DataObject | undefined {
    const parts = Catalog.segments(lpath);
    if (!parts || parts.length === 0) return undefined;
    const name = parts.pop()!;
    return this.findCollection(`/${parts.join('/')}`)?.objects.get(name);
  }

  /** The parent collection and last segment of `lpath` (the parent may not exist). */
  splitPath(lpath: string): { parent: Collection | undefined; name: string } | undefined {
    const parts = Catalog.segments(lpath);
    if (!parts || parts.length === 0) return undefined;
    const name = parts.pop()!;
    return { parent: this.findCollection(`/${parts.join('/')}`), name };
  }

  collectionPath(coll: Collection): string {
    const names: string[] = [];
    for (let at: Collection | undefined = coll; at?.parent; at = at.parent) names.push(at.name);
    return `/${names.reverse().join('/')}`;
  }

  dataObjectPath(object: DataObject): string {
    const parent = this.collectionPath(object.collection);
    return parent === '/' ? `/${object.name}` : `${parent}/${object.name}`;
  }

  /** Creates a child collection: creator gets own; an inheriting parent passes its ACL on. */
  createCollection(parent: Collection, name: string, owner: string): Collection {
    const now = nowSeconds();
    const coll: Collection = {
      id: this.newId(),
      parent,
      name,
      owner,
      createTime: now,
      modifyTime: now,
      inheritance: parent.inheritance,
      acl: inheritedAcl(parent, owner),
      avus: [],
      collections: new Map(),
      objects: new Map(),
    };
    parent.collections.set(name, coll);
    this.#collections.set(coll.id, coll);
    this.saveCollection(coll);
    return coll;
  }

  /** Creates an empty data object with one good, empty replica at `physicalPath` on `leaf`. */
  createDataObject(
    parent: Collection,
    name: string,
    owner: string,
    leaf: Resource,
    physicalPath: string,
  ): DataObject {
    const object = this.adoptDataObject(parent, name, owner);
    object.replicas.push(newReplica(0, leaf, physicalPath, REPLICA_STATUS.good));
    this.saveDataObject(object);
    return object;
  }

  /** Adds a data object without replicas; the caller adds them and saves it. */
  adoptDataObject(parent: Collection, name: string, owner: string): DataObject {
    const object: DataObject = {
      id: this.newId(),
      collection: parent,
      name,
      owner,
      createTime: nowSeconds(),
      acl: inheritedAcl(parent, owner),
      avus: [],
      replicas: [],
      lock: undefined,
    };
    parent.objects.set(name, object);
    this.#objects.set(object.id, object);
    return object;
  }

  saveResource(resource: Resource): void {
    this.#append(resourceRecord(resource));
  }

  /** Adds a resource to the tree and the journal. */
  addResource(resource: Resource): void {
    this.resources.add(resource);
    this.saveResource(resource);
  }

  deleteResource(resource: Resource): void {
    this.resources.delete(resource);
    this.#append({ k: 'resc', id: resource.id, deleted: true });
  }

  /** Whether any replica lives on the resource (the server's _rescHasData). */
  resourceHoldsData(resource: Resource): boolean {
    for (const object of this.#objects.values()) {
      if (object.replicas.some((replica) => replica.resourceId === resource.id)) return true;
    }
    return false;
  }

  saveUser(user: User): void {
    this.#append(userRecord(user));
  }

  saveCollection(coll: Collection): void {
    this.#append(collectionRecord(coll));
  }

  saveDataObject(object: DataObject): void {
    this.#append(dataObjectRecord(object));
  }

  /** Whether the object is still in the catalog (not removed while an op awaited its storage). */
  isLive(object: DataObject): boolean {
    return this.#objects.get(object.id) === object;
  }

  deleteUser(user: User): void {
    this.users.delete(user.name);
    this.#append({ k: 'user', id: user.id, deleted: true });
  }

  /** Removes a data object from the catalog; `removeFiles` also deletes its replicas' files. */
  deleteDataObject(object: DataObject, removeFiles: boolean): void {
    object.collection.objects.delete(object.name);
    this.#objects.delete(object.id);
    this.#append({ k: 'data', id: object.id, deleted: true });
    if (removeFiles) this.vaults.removeAll(object.replicas);
  }

  /** Removes a collection and everything below it. */
  deleteCollectionTree(coll: Collection, removeFiles: boolean): void {
    for (const child of [...coll.collections.values()])
      this.deleteCollectionTree(child, removeFiles);
    for (const object of [...coll.objects.values()]) this.deleteDataObject(object, removeFiles);
    coll.parent?.collections.delete(coll.name);
    this.#collections.delete(coll.id);
    this.#append({ k: 'coll', id: coll.id, deleted: true });
  }

  moveCollection(coll: Collection, parent: Collection, name: string): void {
    coll.parent?.collections.delete(coll.name);
    coll.parent = parent;
    coll.name = name;
    parent.collections.set(name, coll);
    this.saveCollection(coll);
  }

  moveDataObject(object: DataObject, parent: Collection, name: string): void {
    object.collection.objects.delete(object.name);
    object.collection = parent;
    object.name = name;
    parent.objects.set(name, object);
    this.saveDataObject(object);
  }

  /** Writes a snapshot and closes the journal (clean shutdown). */
  close(): void {
    this.#journal.compact(this.#allRecords());
    this.#journal.close();
  }

  #append(record: JournalRecord): void {
    if (this.#journal.append(record, this.#threshold)) this.#journal.compact(this.#allRecords());
  }

  *#allRecords(): Generator<JournalRecord> {
    for (const user of this.users.values()) yield userRecord(user);
    for (const resource of this.resources.all()) yield resourceRecord(resource);
    // Parents before children keeps the snapshot readable; the loader does not depend on it.
    for (const coll of this.#collections.values()) yield collectionRecord(coll);
    for (const object of this.#objects.values()) yield dataObjectRecord(object);
  }

  #initialize(options: CatalogOptions): void {
    const now = nowSeconds();
    const admin: User = {
      id: this.newId(),
      name: options.adminName,
      type: USER_TYPES.rodsadmin,
      password: options.adminPassword,
      createTime: now,
      members: new Set(),
      avus: [],
    };
    const publicGroup: User = {
      id: this.newId(),
      name: PUBLIC_GROUP,
      type: USER_TYPES.rodsgroup,
      password: '',
      createTime: now,
      members: new Set(),
      avus: [],
    };
    for (const user of [admin, publicGroup]) {
      this.users.set(user.name, user);
      this.saveUser(user);
    }
    const root: Collection = {
      id: this.newId(),
      parent: undefined,
      name: '',
      owner: admin.name,
      createTime: now,
      modifyTime: now,
      inheritance: false,
      acl: new Map([[admin.name, PERMISSION_LEVELS.own]]),
      avus: [],
      collections: new Map(),
      objects: new Map(),
    };
    this.#root = root;
    this.#collections.set(root.id, root);
    this.saveCollection(root);
    const readable = (coll: Collection) => {
      coll.acl.set(PUBLIC_GROUP, PERMISSION_LEVELS.read_object);
      this.saveCollection(coll);
      return coll;
    };
    readable(root);
    const zone = readable(this.createCollection(root, options.zone, admin.name));
    const home = readable(this.createCollection(zone, 'home', admin.name));
    this.createCollection(home, admin.name, admin.name);
    readable(this.createCollection(home, PUBLIC_GROUP, admin.name));
    const trash = readable(this.createCollection(zone, 'trash', admin.name));
    const trashHome = readable(this.createCollection(trash, 'home', admin.name));
    this.createCollection(trashHome, admin.name, admin.name);
  }
}

function inheritedAcl(parent: Collection, owner: string): Map<string, number> {
  const acl = parent.inheritance ? new Map(parent.acl) : new Map<string, number>();
  acl.set(owner, PERMISSION_LEVELS.own);
  return acl;
}

/** A replica as a create makes it: empty, no checksum, now. */
export function newReplica(
  number: number,
  leaf: Resource,
  physicalPath: string,
  status: Replica['status'],
): Replica {
  const now = nowSeconds();
  return {
    number,
    resourceId: leaf.id,
    physicalPath,
    size: 0,
    checksum: '',
    status,
    createTime: now,
    modifyTime: now,
    accessTime: now,
  };
}
