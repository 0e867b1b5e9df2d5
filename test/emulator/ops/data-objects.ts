/** The catalog-level `/data-objects` ops (§5.2.7, §5.2.8, §5.2.14, §5.2.15) and the route table. */
import { hasLevel, isVisible } from '../acl.js';
import { IRODS, libraryMessage, type IrodsErrorName } from '../codes.js';
import {
  REPLICA_STATUS,
  latestGoodReplica,
  markOthersStale,
  nowSeconds,
  type DataObject,
  type Replica,
  type Resource,
} from '../model.js';
import { replicateAfterWrite } from '../replication.js';
import type { OpContext, RouteOps } from '../state.js';
import { trashDestination } from '../trash.js';
import { ENTITY_KINDS, modifyPermissions, setPermission } from './batches.js';
import { modifyMetadata } from './metadata.js';
import { calculateChecksum, verifyChecksum } from './checksums.js';
import { referenceTime } from './collections.js';
import { adminMode, required } from './common.js';
import { read, stat, visibleDataObject } from './data-read.js';
import { parallelWriteInit, parallelWriteShutdown, write } from './data-write.js';
import { modifyReplica } from './modify-replica.js';
import { register, replicate, trim, truncate } from './replicas.js';

async function touch(ctx: OpContext): Promise<void> {
  const lpath = required(ctx, 'lpath');
  if (lpath === undefined) return;
  const number = ctx.params.int('replica-number');
  const seconds = ctx.params.int('seconds-since-epoch');
  if (number.kind === 'invalid' || seconds.kind === 'invalid') return ctx.reply.fail(400);
  const { catalog } = ctx.state;
  const coll = catalog.findCollection(lpath);
  if (coll && isVisible(coll.acl, ctx.who)) return ctx.reply.irods(400, IRODS.NOT_A_DATA_OBJECT);
  const leafName = ctx.params.str('leaf-resource');
  const reference = ctx.params.str('reference');
  if (
    (number.kind === 'value' && leafName !== undefined) ||
    (seconds.kind === 'value' && reference !== undefined)
  ) {
    return ctx.reply.irods(200, IRODS.USER_INCOMPATIBLE_PARAMS);
  }
  if (seconds.kind === 'value' && seconds.value < 0)
    return ctx.reply.irods(200, IRODS.INPUT_ARG_NOT_WELL_FORMED_ERR);
  let leaf: Resource | undefined;
  if (leafName !== undefined) {
    leaf = catalog.resources.byName(leafName);
    if (!leaf) return ctx.reply.irods(200, IRODS.SYS_RESC_DOES_NOT_EXIST);
    // touch.cpp: "[name] is not a leaf resource."
    if (!catalog.resources.isStorage(leaf)) {
      return ctx.reply.irods(200, IRODS.USER_INVALID_RESC_INPUT);
    }
  }
  let object = visibleDataObject(ctx, lpath);
  if (!object) {
    if (ctx.params.flag('no-create')) return ctx.reply.irods(200, 0);
    if (number.kind === 'value') return ctx.reply.irods(200, IRODS.OBJ_PATH_DOES_NOT_EXIST);
    if (coll || catalog.findDataObject(lpath))
      return ctx.reply.irods(200, IRODS.CAT_NO_ACCESS_PERMISSION);
    const place = catalog.splitPath(lpath);
    if (!place?.parent) return ctx.reply.irods(200, IRODS.OBJ_PATH_DOES_NOT_EXIST);
    if (
      !isVisible(place.parent.acl, ctx.who) ||
      !hasLevel(place.parent.acl, ctx.who, 'create_object')
    ) {
      return ctx.reply.irods(200, IRODS.CAT_NO_ACCESS_PERMISSION);
    }
    const target = leaf
      ? catalog.resources.withVault(leaf)
      : catalog.resources.leafForCreate(catalog.defaultResource);
    if (!target.ok) return ctx.reply.irods(200, target.code);
    const path = await catalog.vaults.createEmpty(target.resource, lpath);
    if (catalog.findDataObject(lpath)) return ctx.reply.irods(200, IRODS.HIERARCHY_ERROR);
    object = catalog.createDataObject(
      place.parent,
      place.name,
      ctx.who.name,
      target.resource,
      path,
    );
  }
  let replica: Replica | undefined;
  if (number.kind === 'value') {
    replica = object.replicas.find((r) => r.number === number.value);
    if (!replica) return ctx.reply.irods(200, IRODS.SYS_REPLICA_DOES_NOT_EXIST);
  } else if (leaf !== undefined) {
    replica = object.replicas.find((r) => r.resourceId === leaf.id);
    if (!replica) return ctx.reply.irods(200, IRODS.SYS_REPLICA_DOES_NOT_EXIST);
  } else {
    replica = latestGoodReplica(object);
    if (!replica) return ctx.reply.irods(200, IRODS.SYS_NO_GOOD_REPLICA);
  }
  if (!hasLevel(object.acl, ctx.who, 'modify_object'))
    return ctx.reply.irods(200, IRODS.CAT_NO_ACCESS_PERMISSION);
  let mtime = nowSeconds();
  if (seconds.kind === 'value') mtime = seconds.value;
  else if (reference !== undefined) {
    const referenced = referenceTime(ctx, reference);
    if (referenced === undefined) return ctx.reply.irods(200, IRODS.OBJ_PATH_DOES_NOT_EXIST);
    mtime = referenced;
  }
  replica.modifyTime = mtime;
  catalog.saveDataObject(object);
  ctx.reply.irods(200, 0);
}

function remove(ctx: OpContext): void {
  const lpath = required(ctx, 'lpath');
  if (lpath === undefined) return;
  const catalogOnly = required(ctx, 'catalog-only');
  if (catalogOnly === undefined) return;
  const unregister = catalogOnly === '1';
  const noTrash = ctx.params.flag('no-trash');
  if (unregister && noTrash) return ctx.reply.fail(400);
  const asAdmin = adminMode(ctx);
  if (asAdmin === undefined) return;
  const object = visibleDataObject(ctx, lpath);
  if (!object) return ctx.reply.irods(200, IRODS.CAT_NO_ROWS_FOUND);
  // Unregistering is rodsadmin-only under the default server policy.
  if (unregister && !ctx.who.admin)
    return ctx.reply.irods(200, IRODS.CAT_INSUFFICIENT_PRIVILEGE_LEVEL);
  if (!hasLevel(object.acl, ctx.who, 'delete_object', asAdmin || unregister)) {
    return ctx.reply.irods(200, IRODS.CAT_NO_ACCESS_PERMISSION);
  }
  if (object.lock !== undefined) return ctx.reply.irods(200, IRODS.HIERARCHY_ERROR);
  const { catalog } = ctx.state;
  if (unregister || noTrash) catalog.deleteDataObject(object, !unregister);
  else {
    const target = trashDestination(catalog, ctx.who, lpath);
    catalog.moveDataObject(object, target.parent, target.name);
  }
  ctx.reply.irods(200, 0);
}

async function rename(ctx: OpContext): Promise<void> {
  const oldPath = required(ctx, 'old-lpath');
  if (oldPath === undefined) return;
  const newPath = required(ctx, 'new-lpath');
  if (newPath === undefined) return;
  const object = visibleDataObject(ctx, oldPath);
  if (!object) return ctx.reply.irods(400, IRODS.NOT_A_DATA_OBJECT);
  const { catalog } = ctx.state;
  const fail = (name: IrodsErrorName) =>
    ctx.reply.irods(200, IRODS[name], libraryMessage('cannot rename data object', name));
  const existing = catalog.findDataObject(newPath);
  if (existing === object) return ctx.reply.irods(200, 0);
  if (catalog.findCollection(newPath)) return fail('INVALID_OBJECT_TYPE');
  if (existing) return fail('CAT_NAME_EXISTS_AS_DATAOBJ');
  const place = catalog.splitPath(newPath);
  if (!place?.parent || !isVisible(place.parent.acl, ctx.who))
    return fail('OBJ_PATH_DOES_NOT_EXIST');
  if (
    !hasLevel(object.acl, ctx.who, 'delete_object') ||
    !hasLevel(place.parent.acl, ctx.who, 'create_object')
  ) {
    return fail('CAT_NO_ACCESS_PERMISSION');
  }
  catalog.moveDataObject(object, place.parent, place.name);
  await moveVaultFiles(ctx, object);
  ctx.reply.irods(200, 0);
}

/** Replicas stored in a vault follow their object's new logical path, as iRODS moves them. */
async function moveVaultFiles(ctx: OpContext, object: DataObject): Promise<void> {
  const { catalog } = ctx.state;
  const lpath = catalog.dataObjectPath(object);
  for (const replica of object.replicas) {
    const leaf = catalog.vaults.leafOf(replica);
    const vault = `${leaf?.vaultPath.replace(/\/+$/, '')}/`;
    if (!leaf || !replica.physicalPath.startsWith(vault)) continue;
    if ((await catalog.vaults.storedSize(replica)) === undefined) continue;
    const target = await catalog.vaults.newPhysicalPath(leaf, lpath);
    await catalog.vaults.storageOf(leaf).move(replica.physicalPath, target);
    replica.physicalPath = target;
  }
  catalog.saveDataObject(object);
}

async function copy(ctx: OpContext): Promise<void> {
  const source = required(ctx, 'src-lpath');
  if (source === undefined) return;
  const destination = required(ctx, 'dst-lpath');
  if (destination === undefined) return;
  const object = visibleDataObject(ctx, source);
  if (!object) return ctx.reply.irods(400, IRODS.NOT_A_DATA_OBJECT);
  const { catalog } = ctx.state;
  const fail = (name: IrodsErrorName) =>
    ctx.reply.irods(200, IRODS[name], libraryMessage('cannot copy data object', name));
  const roots: (Resource | undefined)[] = [];
  for (const key of ['src-resource', 'dst-resource']) {
    const name = ctx.params.str(key);
    if (name === undefined) roots.push(undefined);
    else {
      const named = catalog.resources.rootNamed(name);
      if (!named.ok) return ctx.reply.irods(200, named.code);
      roots.push(named.resource);
    }
  }
  const [srcRoot, dstRoot] = roots;
  const from = srcRoot
    ? catalog.resources.replicasBelow(object, srcRoot)[0]
    : latestGoodReplica(object);
  if (!from) return fail('SYS_REPLICA_DOES_NOT_EXIST');
  if (!hasLevel(object.acl, ctx.who, 'read_object')) return fail('CAT_NO_ACCESS_PERMISSION');
  const place = catalog.splitPath(destination);
  if (!place?.parent) return fail('OBJ_PATH_DOES_NOT_EXIST');
  let target = catalog.findDataObject(destination);
  // The destination's parent is checked before its type: copying onto /zone/home/public as a
  // rodsuser is CAT_NO_ACCESS_PERMISSION (pinned by the upstream suite).
  const parentWritable =
    isVisible(place.parent.acl, ctx.who) && hasLevel(place.parent.acl, ctx.who, 'create_object');
  if (!target && !parentWritable) return fail('CAT_NO_ACCESS_PERMISSION');
  if (catalog.findCollection(destination)) return fail('CAT_NAME_EXISTS_AS_COLLECTION');
  let into: Replica;
  if (target) {
    if (!ctx.params.flag('overwrite')) return fail('OVERWRITE_WITHOUT_FORCE_FLAG');
    if (!isVisible(target.acl, ctx.who) || !hasLevel(target.acl, ctx.who, 'modify_object'))
      return fail('CAT_NO_ACCESS_PERMISSION');
    if (target.lock !== undefined) return fail('HIERARCHY_ERROR');
    const below = dstRoot ? catalog.resources.replicasBelow(target, dstRoot)[0] : undefined;
    into = below ?? latestGoodReplica(target) ?? target.replicas[0]!;
  } else {
    const leaf = catalog.resources.leafForCreate(dstRoot ?? catalog.defaultResource);
    if (!leaf.ok) return ctx.reply.irods(200, leaf.code);
    const path = await catalog.vaults.newPhysicalPath(leaf.resource, destination);
    target = catalog.createDataObject(place.parent, place.name, ctx.who.name, leaf.resource, path);
    into = target.replicas[0]!;
  }
  into.size = await catalog.vaults.copy(from, into);
  into.checksum = from.checksum;
  into.status = REPLICA_STATUS.good;
  into.modifyTime = nowSeconds();
  markOthersStale(target, into);
  catalog.saveDataObject(target);
  await replicateAfterWrite(catalog, target, into);
  ctx.reply.irods(200, 0);
}

export const dataObjectOps: RouteOps = {
  GET: { read, stat, verify_checksum: verifyChecksum },
  POST: {
    touch,
    truncate,
    remove,
    write,
    parallel_write_init: parallelWriteInit,
    parallel_write_shutdown: parallelWriteShutdown,
    rename,
    copy,
    replicate,
    trim,
    register,
    set_permission: (ctx) => setPermission(ctx, ENTITY_KINDS.dataObject),
    modify_permissions: (ctx) => modifyPermissions(ctx, ENTITY_KINDS.dataObject),
    calculate_checksum: calculateChecksum,
    modify_metadata: (ctx) => modifyMetadata(ctx, ENTITY_KINDS.dataObject),
    modify_replica: modifyReplica,
  },
};
