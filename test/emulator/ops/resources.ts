/**
 * `/resources` (spec §5.4): `stat` for everyone, and the rodsadmin ops the upstream suite drives
 * (`create`, `remove`, `modify`, `add_child`, `remove_child`, `rebalance`, `modify_metadata`).
 * Codes and checks follow the server [srv: server/api/src/rsGeneralAdmin.cpp and the database
 * plugin's db_reg_resc_op / db_add_child_resc_op / db_del_child_resc_op / db_del_resc_op];
 * a rodsuser is refused by the API itself (SYS_NO_API_PRIV, the API needs a privileged client).
 * Failures are HTTP 200 with code and message, except `modify`, whose failures are HTTP 400.
 */
import { hostname } from 'node:os';
import { storageResource } from '../catalog-load.js';
import { IRODS, type IrodsErrorName } from '../codes.js';
import { nowSeconds, REPLICA_STATUS, type Resource } from '../model.js';
import { copyReplica, placeBelow, whileLocked } from '../replication.js';
import { EMPTY_RESC_HOST, EMPTY_RESC_PATH, RESOURCE_TYPES } from '../resources.js';
import type { OpContext, RouteOps } from '../state.js';
import { METADATA_ENTITIES, modifyMetadata } from './metadata.js';
import { required } from './common.js';

function resourceStat(ctx: OpContext): void {
  const name = required(ctx, 'name');
  if (name === undefined) return;
  const resource = ctx.state.catalog.resources.byName(name);
  if (!resource)
    return ctx.reply.json(200, { exists: false, info: {}, irods_response: { status_code: 0 } });
  ctx.reply.json(200, {
    exists: true,
    info: {
      comments: resource.comments,
      context: resource.context,
      created: resource.createTime,
      free_space: resource.freeSpace,
      free_space_last_modified: resource.freeSpaceTime,
      host: resource.host,
      id: String(resource.id),
      information: resource.information,
      last_modified: resource.modifyTime,
      last_modified_millis: resource.modifyMillis,
      name: resource.name,
      parent_context: resource.parentContext,
      parent_id: resource.parent === undefined ? '' : String(resource.parent),
      status: resource.status,
      type: resource.type,
      vault_path: resource.vaultPath,
      zone: ctx.state.catalog.zone,
    },
    irods_response: { status_code: 0 },
  });
}

/** Answers an iRODS failure with its name as the message; HTTP 200 unless `status` says. */
function fail(ctx: OpContext, name: IrodsErrorName, status = 200): void {
  ctx.reply.irods(status, IRODS[name], name);
}

/** Admin ops: a rodsuser gets SYS_NO_API_PRIV; returns false after answering. */
function requireAdmin(ctx: OpContext, status = 200): boolean {
  if (ctx.who.admin) return true;
  fail(ctx, 'SYS_NO_API_PRIV', status);
  return false;
}

function touched(resource: Resource): void {
  const now = Date.now();
  resource.modifyTime = Math.floor(now / 1000);
  resource.modifyMillis = now % 1000;
}

function create(ctx: OpContext): void {
  const name = required(ctx, 'name');
  if (name === undefined) return;
  const type = required(ctx, 'type');
  if (type === undefined || !requireAdmin(ctx)) return;
  const { catalog } = ctx.state;
  if (!/^\S+$/.test(name)) return fail(ctx, 'CAT_INVALID_RESOURCE_NAME');
  if (type === '') return fail(ctx, 'CAT_INVALID_RESOURCE_TYPE');
  if (catalog.resources.byName(name)) return fail(ctx, 'CATALOG_ALREADY_HAS_ITEM_BY_THAT_NAME');
  const host = ctx.params.str('host');
  const vault = ctx.params.str('vault-path');
  // db_reg_resc_op's verify_non_root_vault_path.
  if (vault === '/') return fail(ctx, 'CAT_INVALID_RESOURCE_VAULT_PATH');
  // Without a location, rsGeneralAdmin stores the EMPTY_RESC_* placeholders.
  const located = host !== undefined || vault !== undefined;
  const resource = storageResource(
    catalog.newId(),
    name,
    type,
    located ? (vault ?? '') : EMPTY_RESC_PATH,
    located ? (host ?? hostname()) : EMPTY_RESC_HOST,
  );
  resource.context = ctx.params.str('context') ?? '';
  catalog.addResource(resource);
  ctx.reply.irods(200, 0);
}

function remove(ctx: OpContext): void {
  const name = required(ctx, 'name');
  if (name === undefined || !requireAdmin(ctx)) return;
  const { catalog } = ctx.state;
  const resource = catalog.resources.byName(name);
  if (!resource) return fail(ctx, 'CAT_INVALID_RESOURCE');
  // The server refuses a resource that holds replicas; children would be cut off [inf].
  if (catalog.resourceHoldsData(resource) || catalog.resources.children(resource).length > 0) {
    return fail(ctx, 'CAT_RESOURCE_NOT_EMPTY');
  }
  // Emulator-only: creates that name no resource need the configured default.
  if (resource === catalog.defaultResource) return fail(ctx, 'SYS_NOT_ALLOWED');
  catalog.deleteResource(resource);
  ctx.reply.irods(200, 0);
}

const MODIFIABLE: Readonly<Record<string, (resource: Resource, value: string) => void>> = {
  type: (r, v) => (r.type = v),
  host: (r, v) => (r.host = v),
  vault_path: (r, v) => (r.vaultPath = v),
  status: (r, v) => (r.status = v),
  comments: (r, v) => (r.comments = v),
  information: (r, v) => (r.information = v),
  free_space: (r, v) => {
    r.freeSpace = v;
    r.freeSpaceTime = nowSeconds();
  },
  context: (r, v) => (r.context = v),
};

function modify(ctx: OpContext): void {
  const name = required(ctx, 'name');
  if (name === undefined) return;
  const property = required(ctx, 'property');
  if (property === undefined) return;
  const value = required(ctx, 'value');
  if (value === undefined) return;
  // Checked by the HTTP API before the server is asked: empty 400.
  if (property === 'status' && value !== 'up' && value !== 'down') return ctx.reply.fail(400);
  if (!requireAdmin(ctx, 400)) return;
  const { catalog } = ctx.state;
  const resource = catalog.resources.byName(name);
  if (!resource) return fail(ctx, 'CAT_INVALID_RESOURCE', 400);
  if (property === 'name') {
    if (!/^\S+$/.test(value)) return fail(ctx, 'CAT_INVALID_RESOURCE_NAME', 400);
    if (catalog.resources.byName(value)) {
      return fail(ctx, 'CATALOG_ALREADY_HAS_ITEM_BY_THAT_NAME', 400);
    }
    resource.name = value;
  } else if (property === 'vault_path' && value === '/') {
    return fail(ctx, 'CAT_INVALID_RESOURCE_VAULT_PATH', 400);
  } else {
    // A property the HTTP API does not know is skipped, and the op still succeeds [src].
    const apply = MODIFIABLE[property];
    if (!apply) return ctx.reply.irods(200, 0);
    apply(resource, value);
  }
  touched(resource);
  catalog.saveResource(resource);
  ctx.reply.irods(200, 0);
}

function addChild(ctx: OpContext): void {
  const parentName = required(ctx, 'parent-name');
  if (parentName === undefined) return;
  const childName = required(ctx, 'child-name');
  if (childName === undefined || !requireAdmin(ctx)) return;
  const context = ctx.params.str('context') ?? '';
  const { resources } = ctx.state.catalog;
  if (parentName === childName) return fail(ctx, 'HIERARCHY_ERROR');
  const child = resources.byName(childName);
  if (!child) return fail(ctx, 'CHILD_NOT_FOUND');
  const parent = resources.byName(parentName);
  if (!parent) return fail(ctx, 'CAT_INVALID_RESOURCE');
  if (resources.lineage(parent).includes(child)) return fail(ctx, 'HIERARCHY_ERROR');
  if (/[;{}]/.test(context)) return fail(ctx, 'SYS_INVALID_INPUT_PARAM');
  if (child.parent !== undefined) return fail(ctx, 'CHILD_HAS_PARENT');
  child.parent = parent.id;
  child.parentContext = context;
  touched(child);
  ctx.state.catalog.saveResource(child);
  ctx.reply.irods(200, 0);
}

function removeChild(ctx: OpContext): void {
  const parentName = required(ctx, 'parent-name');
  if (parentName === undefined) return;
  const childName = required(ctx, 'child-name');
  if (childName === undefined || !requireAdmin(ctx)) return;
  const { resources } = ctx.state.catalog;
  const parent = resources.byName(parentName);
  if (!parent) return fail(ctx, 'SYS_RESC_DOES_NOT_EXIST');
  const child = resources.byName(childName);
  if (!child) return fail(ctx, 'SYS_RESC_DOES_NOT_EXIST');
  if (child.parent !== parent.id) return fail(ctx, 'CAT_INVALID_CHILD');
  child.parent = undefined;
  child.parentContext = '';
  touched(child);
  ctx.state.catalog.saveResource(child);
  ctx.reply.irods(200, 0);
}

/**
 * `rebalance`: below a replication resource, every object with a good replica there gets an
 * up-to-date replica in each child's subtree (the plugin's rebalance, done at once rather than in
 * the background). Other resource types have nothing to rebalance.
 */
async function rebalance(ctx: OpContext): Promise<void> {
  const name = required(ctx, 'name');
  if (name === undefined || !requireAdmin(ctx)) return;
  const { catalog } = ctx.state;
  const resource = catalog.resources.byName(name);
  if (!resource) return fail(ctx, 'SYS_RESC_DOES_NOT_EXIST');
  if (resource.type !== RESOURCE_TYPES.replication) return ctx.reply.irods(200, 0);
  const children = catalog.resources.children(resource);
  for (const object of [...catalog.dataObjects()]) {
    const [source] = catalog.resources
      .replicasBelow(object, resource)
      .filter((r) => r.status === REPLICA_STATUS.good);
    if (!source) continue;
    // An object open for writing is left to the replication of its close.
    await whileLocked(object, async () => {
      for (const child of children) {
        if (catalog.resources.contains(child, source.resourceId)) continue;
        const placement = await placeBelow(catalog, object, child);
        if (!placement.ok || placement.replica.status === REPLICA_STATUS.good) continue;
        await copyReplica(catalog, object, source, placement.replica);
      }
    });
  }
  ctx.reply.irods(200, 0);
}

export const resourceOps: RouteOps = {
  GET: { stat: resourceStat },
  POST: {
    create,
    remove,
    modify,
    add_child: addChild,
    remove_child: removeChild,
    rebalance,
    modify_metadata: (ctx) => modifyMetadata(ctx, METADATA_ENTITIES.resource),
  },
};
