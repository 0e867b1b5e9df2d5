/**
 * The GenQuery RowSource over the catalog: flat joined records, one per catalog row the SQL join
 * would produce, restricted by strict ACL visibility (§7.3) for the calling user.
 *
 * Families, chosen by the referenced columns: anything DATA_* (or META_DATA_*) → one record per
 * replica of each visible data object, with its collection's COLL_* values and its leaf RESC_*;
 * otherwise COLL_* / META_COLL_* → one per visible collection; otherwise RESC_* / META_RESC_* →
 * one per resource; otherwise USER_* / META_USER_* → one per user or group. AVU and ACL columns
 * cross each entity with its AVUs / ACL entries (an inner join: no AVU, no record).
 *
 * The query's Constraints on COLL_NAME, COLL_PARENT_NAME and DATA_NAME narrow the walk to the
 * collections (and objects) they can match, through the collection tree; the narrowed walk keeps
 * the catalog's order (creation, i.e. id, order) so that unordered results do not change.
 */
import { isVisible, permissionName, type Principal } from './acl.js';
import type { Catalog } from './catalog.js';
import type { Constraints, RowSource } from './genquery.js';
import type { Avu, Collection, DataObject, Replica, Resource, User } from './model.js';

/** iRODS catalog times: 11-digit zero-padded seconds. */
export function catalogTime(seconds: number): string {
  return String(seconds).padStart(11, '0');
}

interface RowContext {
  coll?: Collection;
  object?: DataObject;
  replica?: Replica;
  resource?: Resource;
  user?: User;
  avu?: Avu;
  acl?: readonly [string, number];
}

type Getter = (row: RowContext, catalog: Catalog) => string;

/** Stand-ins for a family's join that has no such entity (e.g. USER_* next to DATA_*). */
const NO_RESOURCE: Resource = {
  id: 0,
  name: '',
  type: '',
  host: '',
  vaultPath: '',
  context: '',
  parent: undefined,
  parentContext: '',
  status: '',
  comments: '',
  information: '',
  freeSpace: '',
  freeSpaceTime: 0,
  createTime: 0,
  modifyTime: 0,
  modifyMillis: 0,
  avus: [],
};
const NO_USER: User = {
  id: 0,
  name: '',
  type: 'rodsuser',
  password: '',
  createTime: 0,
  members: new Set(),
  avus: [],
};

const resc = (r: RowContext) => r.resource ?? NO_RESOURCE;

const avuColumns = (prefix: string): Record<string, Getter> => {
  const created = (r: RowContext) =>
    catalogTime(
      r.object?.createTime ??
        r.coll?.createTime ??
        r.resource?.createTime ??
        r.user?.createTime ??
        0,
    );
  return {
    [`${prefix}_ATTR_NAME`]: (r) => r.avu?.attribute ?? '',
    [`${prefix}_ATTR_VALUE`]: (r) => r.avu?.value ?? '',
    [`${prefix}_ATTR_UNITS`]: (r) => r.avu?.units ?? '',
    [`${prefix}_ATTR_ID`]: (r) => String(r.avu?.id ?? ''),
    [`${prefix}_CREATE_TIME`]: created,
    [`${prefix}_MODIFY_TIME`]: created,
  };
};

const GETTERS: Readonly<Record<string, Getter>> = {
  COLL_ID: (r) => String(r.coll!.id),
  COLL_NAME: (r, c) => c.collectionPath(r.coll!),
  COLL_PARENT_NAME: (r, c) => (r.coll!.parent ? c.collectionPath(r.coll!.parent) : '/'),
  COLL_OWNER_NAME: (r) => r.coll!.owner,
  COLL_OWNER_ZONE: (_r, c) => c.zone,
  COLL_ZONE_NAME: (_r, c) => c.zone,
  COLL_CREATE_TIME: (r) => catalogTime(r.coll!.createTime),
  COLL_MODIFY_TIME: (r) => catalogTime(r.coll!.modifyTime),
  COLL_INHERITANCE: (r) => (r.coll!.inheritance ? '1' : '0'),
  COLL_MAP_ID: () => '0',
  COLL_ACCESS_NAME: (r) => (r.acl ? permissionName(r.acl[1]) : ''),
  COLL_ACCESS_TYPE: (r) => String(r.acl?.[1] ?? ''),
  COLL_ACCESS_USER_ID: (r, c) => String(c.users.get(r.acl?.[0] ?? '')?.id ?? ''),
  COLL_ACCESS_COLL_ID: (r) => String(r.coll!.id),
  COLL_USER_NAME: (r) => r.acl?.[0] ?? '',
  COLL_TOKEN_NAMESPACE: () => 'access_type',
  DATA_ID: (r) => String(r.object!.id),
  DATA_COLL_ID: (r) => String(r.object!.collection.id),
  DATA_NAME: (r) => r.object!.name,
  DATA_REPL_NUM: (r) => String(r.replica!.number),
  DATA_TYPE_NAME: () => 'generic',
  DATA_SIZE: (r) => String(r.replica!.size),
  // DATA_RESC_NAME joins R_RESC_MAIN on the leaf id; DATA_RESC_HIER is built from the tree.
  DATA_RESC_NAME: (r) => resc(r).name,
  DATA_RESC_HIER: (r, c) => c.resources.replicaHierarchy(r.replica!),
  DATA_RESC_ID: (r) => String(r.replica!.resourceId),
  DATA_PATH: (r) => r.replica!.physicalPath,
  DATA_OWNER_NAME: (r) => r.object!.owner,
  DATA_OWNER_ZONE: (_r, c) => c.zone,
  DATA_ZONE_NAME: (_r, c) => c.zone,
  DATA_REPL_STATUS: (r) => String(r.replica!.status),
  DATA_CHECKSUM: (r) => r.replica!.checksum,
  DATA_MAP_ID: () => '0',
  DATA_CREATE_TIME: (r) => catalogTime(r.replica!.createTime),
  DATA_MODIFY_TIME: (r) => catalogTime(r.replica!.modifyTime),
  DATA_ACCESS_TIME: (r) => catalogTime(r.replica!.accessTime),
  DATA_ACCESS_NAME: (r) => (r.acl ? permissionName(r.acl[1]) : ''),
  DATA_ACCESS_TYPE: (r) => String(r.acl?.[1] ?? ''),
  DATA_ACCESS_USER_ID: (r, c) => String(c.users.get(r.acl?.[0] ?? '')?.id ?? ''),
  DATA_ACCESS_DATA_ID: (r) => String(r.object!.id),
  DATA_USER_NAME: (r) => r.acl?.[0] ?? '',
  DATA_TOKEN_NAMESPACE: () => 'access_type',
  RESC_ID: (r) => String(resc(r).id),
  RESC_NAME: (r) => resc(r).name,
  RESC_ZONE_NAME: (_r, c) => c.zone,
  RESC_TYPE_NAME: (r) => resc(r).type,
  RESC_CLASS_NAME: () => 'cache',
  RESC_LOC: (r) => resc(r).host,
  RESC_VAULT_PATH: (r) => resc(r).vaultPath,
  RESC_FREE_SPACE: (r) => resc(r).freeSpace,
  RESC_FREE_SPACE_TIME: (r) =>
    resc(r).freeSpaceTime === 0 ? '' : catalogTime(resc(r).freeSpaceTime),
  RESC_INFO: (r) => resc(r).information,
  RESC_COMMENT: (r) => resc(r).comments,
  RESC_STATUS: (r) => resc(r).status,
  RESC_CREATE_TIME: (r) => catalogTime(resc(r).createTime),
  RESC_MODIFY_TIME: (r) => catalogTime(resc(r).modifyTime),
  RESC_MODIFY_TIME_MILLIS: (r) => String(resc(r).modifyMillis),
  // Since 4.2 the catalog stores children through their parent's id, and no children list.
  RESC_CHILDREN: () => '',
  RESC_CONTEXT: (r) => resc(r).context,
  RESC_PARENT: (r) => (resc(r).parent === undefined ? '' : String(resc(r).parent)),
  RESC_PARENT_CONTEXT: (r) => resc(r).parentContext,
  USER_ID: (r) => String((r.user ?? NO_USER).id),
  USER_NAME: (r) => (r.user ?? NO_USER).name,
  USER_TYPE: (r) => (r.user ?? NO_USER).type,
  USER_ZONE: (_r, c) => c.zone,
  USER_CREATE_TIME: (r) => catalogTime((r.user ?? NO_USER).createTime),
  USER_MODIFY_TIME: (r) => catalogTime((r.user ?? NO_USER).createTime),
  ...avuColumns('META_DATA'),
  ...avuColumns('META_COLL'),
  ...avuColumns('META_RESC'),
  ...avuColumns('META_USER'),
};

const ACL_COLUMNS =
  /^(DATA_ACCESS_|DATA_USER_NAME|DATA_TOKEN_NAMESPACE|COLL_ACCESS_|COLL_USER_NAME|COLL_TOKEN_NAMESPACE)/;

/** The RowSource for `who` over `catalog`. */
export function catalogRows(catalog: Catalog, who: Principal): RowSource {
  return (columns, constraints) => rows(catalog, who, [...columns], constraints);
}

const byId = (a: { id: number }, b: { id: number }) => a.id - b.id;

/** The collection at exactly `path` (no trailing `/` or other spelling), if any. */
function collectionAt(catalog: Catalog, path: string): Collection | undefined {
  const coll = catalog.findCollection(path);
  return coll && catalog.collectionPath(coll) === path ? coll : undefined;
}

function subtree(coll: Collection, into: Collection[]): void {
  into.push(coll);
  for (const child of coll.collections.values()) subtree(child, into);
}

/** Collections whose path starts with `prefix`: below its last `/`, the children so named. */
function collectionsStartingWith(catalog: Catalog, prefix: string): Collection[] {
  const slash = prefix.lastIndexOf('/');
  if (slash === -1) return [];
  const dir = collectionAt(catalog, slash === 0 ? '/' : prefix.slice(0, slash));
  if (!dir) return [];
  const rest = prefix.slice(slash + 1);
  const found = catalog.collectionPath(dir).startsWith(prefix) ? [dir] : [];
  for (const child of dir.collections.values()) {
    if (child.name.startsWith(rest)) subtree(child, found);
  }
  return found;
}

/** The only collections COLL_* values can come from under `constraints`; undefined: any. */
function candidateCollections(
  catalog: Catalog,
  { equal, prefix }: Constraints,
): Collection[] | undefined {
  const name = equal['COLL_NAME'];
  if (name !== undefined) {
    const coll = collectionAt(catalog, name);
    return coll ? [coll] : [];
  }
  const parentName = equal['COLL_PARENT_NAME'];
  if (parentName !== undefined) {
    const parent = collectionAt(catalog, parentName);
    const children = parent ? [...parent.collections.values()] : [];
    // The root answers '/' as its own parent name.
    if (parentName === '/') children.push(catalog.root);
    return children.sort(byId);
  }
  const start = prefix['COLL_NAME'];
  if (start) return collectionsStartingWith(catalog, start).sort(byId);
  return undefined;
}

/** The only data objects records can come from under `constraints`, in catalog order. */
function candidateObjects(catalog: Catalog, constraints: Constraints): Iterable<DataObject> {
  const colls = candidateCollections(catalog, constraints);
  if (!colls) return catalog.dataObjects();
  const name = constraints.equal['DATA_NAME'];
  const objects: DataObject[] = [];
  for (const coll of colls) {
    if (name === undefined) objects.push(...coll.objects.values());
    else {
      const object = coll.objects.get(name);
      if (object) objects.push(object);
    }
  }
  return objects.sort(byId);
}

function* rows(
  catalog: Catalog,
  who: Principal,
  columns: string[],
  constraints: Constraints,
): Generator<Record<string, string>> {
  const has = (prefix: string) => columns.some((column) => column.startsWith(prefix));
  const crossAcl = columns.some((column) => ACL_COLUMNS.test(column));
  const build = (context: RowContext): Record<string, string> => {
    const record: Record<string, string> = {};
    for (const column of columns) {
      const getter = GETTERS[column];
      record[column] = getter ? getter(context, catalog) : '';
    }
    return record;
  };
  if (has('DATA_') || has('META_DATA_')) {
    const needCollection = has('COLL_');
    for (const object of candidateObjects(catalog, constraints)) {
      if (!isVisible(object.acl, who)) continue;
      if (needCollection && !isVisible(object.collection.acl, who)) continue;
      const avus: (Avu | undefined)[] = has('META_DATA_') ? object.avus : [undefined];
      const acl: (readonly [string, number] | undefined)[] = crossAcl
        ? [...object.acl]
        : [undefined];
      for (const replica of object.replicas) {
        const resource = catalog.resources.byId(replica.resourceId);
        for (const avu of avus) {
          for (const entry of acl) {
            yield build({ coll: object.collection, object, replica, resource, avu, acl: entry });
          }
        }
      }
    }
    return;
  }
  if (has('COLL_') || has('META_COLL_')) {
    for (const coll of candidateCollections(catalog, constraints) ?? catalog.collections()) {
      if (!isVisible(coll.acl, who)) continue;
      const avus: (Avu | undefined)[] = has('META_COLL_') ? coll.avus : [undefined];
      const acl: (readonly [string, number] | undefined)[] = crossAcl ? [...coll.acl] : [undefined];
      for (const avu of avus) for (const entry of acl) yield build({ coll, avu, acl: entry });
    }
    return;
  }
  if (has('RESC_') || has('META_RESC_')) {
    for (const resource of catalog.resources.all()) {
      const avus: (Avu | undefined)[] = has('META_RESC_') ? resource.avus : [undefined];
      for (const avu of avus) yield build({ resource, avu });
    }
    return;
  }
  for (const user of catalog.users.values()) {
    const avus: (Avu | undefined)[] = has('META_USER_') ? user.avus : [undefined];
    for (const avu of avus) yield build({ user, avu });
  }
}
