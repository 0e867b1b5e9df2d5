/**
 * The emulated iRODS catalog (spec §7): one zone, users and groups, resources, the collection
 * tree with its data objects and replicas, ACLs and AVUs. Each replica is a real file at its
 * physical path. Every mutation goes through a `save*`/`delete*` method so that it is journaled
 * (see journal.ts for the persistence scheme).
 */
import { closeSync, existsSync, mkdirSync, openSync, rmSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';
import { PERMISSION_LEVELS, USER_TYPES, type Principal } from './acl.js';
import { Journal } from './journal.js';
import {
  REPLICA_STATUS,
  collectionRecord,
  dataObjectRecord,
  nowSeconds,
  userRecord,
  type Collection,
  type DataObject,
  type JournalRecord,
  type Resource,
  type User,
} from './model.js';

export interface CatalogOptions {
  readonly root: string;
  readonly zone: string;
  readonly adminName: string;
  readonly adminPassword: string;
  readonly defaultResource: string;
  readonly compactionThreshold: number;
}

const PUBLIC_GROUP = 'public';

export class Catalog {
  readonly zone: string;
  readonly users = new Map<string, User>();
  readonly resources = new Map<string, Resource>();
  readonly defaultResource: Resource;
  readonly #collections = new Map<number, Collection>();
  readonly #objects = new Map<number, DataObject>();
  readonly #journal: Journal;
  readonly #threshold: number;
  #root: Collection | undefined;
  #nextId = 10000;

  private constructor(options: CatalogOptions, journal: Journal) {
    this.zone = options.zone;
    this.#journal = journal;
    this.#threshold = options.compactionThreshold;
    const created = nowSeconds();
    this.defaultResource = {
      id: 9000,
      name: options.defaultResource,
      type: 'unixfilesystem',
      host: hostname(),
      vaultPath: join(options.root, 'vault', options.defaultResource),
      createTime: created,
      modifyTime: created,
    };
    this.resources.set(this.defaultResource.name, this.defaultResource);
    mkdirSync(this.defaultResource.vaultPath, { recursive: true });
  }

  /** Loads the catalog stored under `options.root`, or creates the initial state of §7.1. */
  static open(options: CatalogOptions): Catalog {
    mkdirSync(options.root, { recursive: true });
    const { journal, records } = Journal.open(options.root);
    const catalog = new Catalog(options, journal);
    if (records.size === 0) catalog.#initialize(options);
    else catalog.#load(records.values());
    return catalog;
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

  /** Creates an empty data object with one good, empty replica on `resource`. */
  createDataObject(
    parent: Collection,
    name: string,
    owner: string,
    resource: Resource,
  ): DataObject {
    const now = nowSeconds();
    const object: DataObject = {
      id: this.newId(),
      collection: parent,
      name,
      owner,
      createTime: now,
      acl: inheritedAcl(parent, owner),
      avus: [],
      replicas: [],
      lock: undefined,
    };
    const physicalPath = this.vaultPathFor(resource, this.dataObjectPath(object));
    object.replicas.push({
      number: 0,
      resource: resource.name,
      physicalPath,
      size: 0,
      checksum: '',
      status: REPLICA_STATUS.good,
      createTime: now,
      modifyTime: now,
    });
    // Claim the physical path at once so that a concurrent create picks another one.
    closeSync(openSync(physicalPath, 'w'));
    parent.objects.set(name, object);
    this.#objects.set(object.id, object);
    this.saveDataObject(object);
    return object;
  }

  /** Registers a data object whose replica 0 is an existing file (nothing is written). */
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

  /**
   * A free physical path for a new replica: `<vault>/<logical path below the zone>`, with a
   * numeric suffix when a file (e.g. of a renamed object) already sits there. Parent directories
   * are created.
   */
  vaultPathFor(resource: Resource, lpath: string): string {
    const below = lpath.split('/').slice(2).join('/');
    const base = join(resource.vaultPath, below);
    mkdirSync(dirname(base), { recursive: true });
    let candidate = base;
    for (let n = 1; existsSync(candidate); n++) candidate = `${base}.${n}`;
    return candidate;
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

  deleteUser(user: User): void {
    this.users.delete(user.name);
    this.#append({ k: 'user', id: user.id, deleted: true });
  }

  /** Removes a data object from the catalog; `removeFiles` also deletes its replicas' files. */
  deleteDataObject(object: DataObject, removeFiles: boolean): void {
    object.collection.objects.delete(object.name);
    this.#objects.delete(object.id);
    this.#append({ k: 'data', id: object.id, deleted: true });
    if (removeFiles) {
      for (const replica of object.replicas) rmSync(replica.physicalPath, { force: true });
    }
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
    };
    const publicGroup: User = {
      id: this.newId(),
      name: PUBLIC_GROUP,
      type: USER_TYPES.rodsgroup,
      password: '',
      createTime: now,
      members: new Set(),
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

  #load(records: Iterable<JournalRecord>): void {
    const parents = new Map<Collection, number>();
    const objectParents = new Map<DataObject, number>();
    let maxId = this.#nextId;
    for (const record of records) {
      if ('deleted' in record) continue;
      maxId = Math.max(maxId, record.id);
      if (record.k === 'user') {
        this.users.set(record.name, {
          id: record.id,
          name: record.name,
          type: record.type,
          password: record.pw,
          createTime: record.ct,
          members: new Set(record.members),
        });
      } else if (record.k === 'coll') {
        const coll: Collection = {
          id: record.id,
          parent: undefined,
          name: record.name,
          owner: record.owner,
          createTime: record.ct,
          modifyTime: record.mt,
          inheritance: record.inh,
          acl: new Map(record.acl),
          avus: record.avus,
          collections: new Map(),
          objects: new Map(),
        };
        for (const avu of coll.avus) maxId = Math.max(maxId, avu.id);
        this.#collections.set(coll.id, coll);
        parents.set(coll, record.parent);
      } else {
        const object: DataObject = {
          id: record.id,
          collection: undefined as unknown as Collection,
          name: record.name,
          owner: record.owner,
          createTime: record.ct,
          acl: new Map(record.acl),
          avus: record.avus,
          replicas: record.replicas,
          lock: undefined,
        };
        for (const avu of object.avus) maxId = Math.max(maxId, avu.id);
        // A crash during a write leaves the replica intermediate; nobody holds it any more.
        for (const replica of object.replicas) {
          if (replica.status === REPLICA_STATUS.intermediate) replica.status = REPLICA_STATUS.stale;
        }
        this.#objects.set(object.id, object);
        objectParents.set(object, record.coll);
      }
    }
    for (const [coll, parentId] of parents) {
      const parent = this.#collections.get(parentId);
      if (parent) {
        coll.parent = parent;
        parent.collections.set(coll.name, coll);
      } else this.#root = coll;
    }
    for (const [object, parentId] of objectParents) {
      const parent = this.#collections.get(parentId)!;
      object.collection = parent;
      parent.objects.set(object.name, object);
    }
    this.#nextId = maxId + 1;
  }
}

function inheritedAcl(parent: Collection, owner: string): Map<string, number> {
  const acl = parent.inheritance ? new Map(parent.acl) : new Map<string, number>();
  acl.set(owner, PERMISSION_LEVELS.own);
  return acl;
}
