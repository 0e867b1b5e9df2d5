/**
 * Builds the catalog's entities from journal records (records.ts) and makes sure the resources
 * the config declares exist. Records of the older layout (no resources stored, replicas naming
 * their resource) are read too: the config's resources are created first, then each old replica
 * is matched to the resource of its name; a name no longer declared gets a unixfilesystem
 * resource of that name with the default vault, so that no replica is left without a resource.
 */
import { mkdirSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { ResourceDeclaration } from './config.js';
import { ConfigError } from './config-error.js';
import { nowSeconds, type Collection, type DataObject, type Resource, type User } from './model.js';
import {
  replicaFromRecord,
  resourceFromRecord,
  userFromRecord,
  type JournalRecord,
  type RecordOf,
} from './records.js';
import { EMPTY_RESC_HOST, EMPTY_RESC_PATH, ResourceTree } from './resources.js';

export interface CatalogContents {
  readonly users: Map<string, User>;
  readonly resources: ResourceTree;
  readonly collections: Map<number, Collection>;
  readonly objects: Map<number, DataObject>;
  readonly root: Collection | undefined;
  /** Resources created while loading (declared ones, or stand-ins for old names): to be saved. */
  readonly created: Resource[];
  readonly nextId: number;
}

/** The emulator root's default vault of a unixfilesystem resource. */
export function defaultVault(root: string, name: string): string {
  return join(root, 'vault', name);
}

export function loadContents(
  records: readonly JournalRecord[],
  root: string,
  declarations: readonly ResourceDeclaration[],
): CatalogContents {
  let nextId = 10000;
  const live = records.filter((record) => !('deleted' in record)) as RecordOf<JournalRecord['k']>[];
  for (const record of live) {
    nextId = Math.max(nextId, record.id + 1);
    for (const avu of 'avus' in record ? (record.avus ?? []) : []) {
      nextId = Math.max(nextId, avu.id + 1);
    }
  }
  const newId = () => nextId++;
  const resources = new ResourceTree();
  for (const record of live) if (record.k === 'resc') resources.add(resourceFromRecord(record));
  const created = ensureDeclared(resources, declarations, root, newId);
  const resourceIdOf = (name: string): number => {
    let resource = resources.byName(name);
    if (!resource) {
      resource = storageResource(newId(), name, 'unixfilesystem', defaultVault(root, name));
      resources.add(resource);
      created.push(resource);
    }
    return resource.id;
  };

  const users = new Map<string, User>();
  const collections = new Map<number, Collection>();
  const objects = new Map<number, DataObject>();
  const collectionParents = new Map<Collection, number>();
  const objectParents = new Map<DataObject, number>();
  for (const record of live) {
    if (record.k === 'user') users.set(record.name, userFromRecord(record));
    else if (record.k === 'coll') {
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
      collections.set(coll.id, coll);
      collectionParents.set(coll, record.parent);
    } else if (record.k === 'data') {
      const object: DataObject = {
        id: record.id,
        collection: undefined as unknown as Collection,
        name: record.name,
        owner: record.owner,
        createTime: record.ct,
        acl: new Map(record.acl),
        avus: record.avus,
        replicas: record.replicas.map((replica) => replicaFromRecord(replica, resourceIdOf)),
        lock: undefined,
      };
      objects.set(object.id, object);
      objectParents.set(object, record.coll);
    }
  }
  let rootCollection: Collection | undefined;
  for (const [coll, parentId] of collectionParents) {
    const parent = collections.get(parentId);
    if (parent) {
      coll.parent = parent;
      parent.collections.set(coll.name, coll);
    } else rootCollection = coll;
  }
  for (const [object, parentId] of objectParents) {
    const parent = collections.get(parentId)!;
    object.collection = parent;
    parent.objects.set(object.name, object);
  }
  return {
    users,
    resources,
    collections,
    objects,
    root: rootCollection,
    created,
    nextId,
  };
}

/**
 * Creates the declared resources the catalog lacks, parents before children. One the catalog
 * already has must still be of the declared type and under the declared parent, or the config
 * contradicts the state and start-up fails.
 */
function ensureDeclared(
  resources: ResourceTree,
  declarations: readonly ResourceDeclaration[],
  root: string,
  newId: () => number,
): Resource[] {
  const created: Resource[] = [];
  const pending = [...declarations.entries()];
  while (pending.length > 0) {
    const at = pending.findIndex(
      ([, d]) => d.parent === undefined || resources.byName(d.parent) !== undefined,
    );
    // config-resources.ts guarantees every parent is declared and there is no cycle.
    const [index, declaration] = pending.splice(at, 1)[0]!;
    const parent =
      declaration.parent === undefined ? undefined : resources.byName(declaration.parent);
    const existing = resources.byName(declaration.name);
    if (existing) {
      if (existing.type !== declaration.type || existing.parent !== parent?.id) {
        const key = `emulator.resources[${index}]`;
        throw new ConfigError(
          `config key "${key}" declares ${declaration.type} resource "${declaration.name}"${parent ? ` under "${parent.name}"` : ''}, but the catalog under --root holds it as ${existing.type}${existing.parent === undefined ? ' at the root' : ` under "${resources.byId(existing.parent)?.name}"`}`,
          key,
        );
      }
      if (existing.type === 'unixfilesystem') mkdirSync(existing.vaultPath, { recursive: true });
      continue;
    }
    const storage = declaration.type === 'unixfilesystem' || declaration.type === 's3';
    const resource = storage
      ? storageResource(
          newId(),
          declaration.name,
          declaration.type,
          declaration.vault_path ?? defaultVault(root, declaration.name),
          declaration.host,
        )
      : storageResource(
          newId(),
          declaration.name,
          declaration.type,
          EMPTY_RESC_PATH,
          EMPTY_RESC_HOST,
        );
    resource.context = declaration.context ?? '';
    resource.parent = parent?.id;
    resource.parentContext = declaration.parent_context ?? '';
    if (resource.type === 'unixfilesystem') mkdirSync(resource.vaultPath, { recursive: true });
    resources.add(resource);
    created.push(resource);
  }
  return created;
}

/** A new root resource as rsGeneralAdmin registers it. */
export function storageResource(
  id: number,
  name: string,
  type: string,
  vaultPath: string,
  host: string = hostname(),
): Resource {
  const now = nowSeconds();
  return {
    id,
    name,
    type,
    host,
    vaultPath,
    context: '',
    parent: undefined,
    parentContext: '',
    status: '',
    comments: '',
    information: '',
    freeSpace: '',
    freeSpaceTime: 0,
    createTime: now,
    modifyTime: now,
    modifyMillis: 0,
    avus: [],
  };
}
