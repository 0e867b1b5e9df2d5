/** The catalog-level `/data-objects` ops (§5.2.7-5.2.17) and the route table. */
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  renameSync,
  rmSync,
  statSync,
  truncateSync,
} from 'node:fs';
import { dirname } from 'node:path';
import { hasLevel, isVisible } from '../acl.js';
import { fileChecksum } from '../checksum.js';
import { IRODS, libraryMessage, type IrodsErrorName } from '../codes.js';
import { REPLICA_STATUS, nowSeconds, type DataObject, type Replica } from '../model.js';
import type { OpContext, RouteOps } from '../state.js';
import { trashDestination } from '../trash.js';
import { latestGoodReplica } from '../write-session.js';
import { ENTITY_KINDS, modifyMetadata, modifyPermissions, setPermission } from './batches.js';
import { referenceTime } from './collections.js';
import { adminMode, required } from './common.js';
import {
  calculateChecksum,
  read,
  selectReplica,
  stat,
  verifyChecksum,
  visibleDataObject,
} from './data-read.js';
import { parallelWriteInit, parallelWriteShutdown, write } from './data-write.js';
import { modifyReplica } from './modify-replica.js';

function touch(ctx: OpContext): void {
  const lpath = required(ctx, 'lpath');
  if (lpath === undefined) return;
  const number = ctx.params.int('replica-number');
  const seconds = ctx.params.int('seconds-since-epoch');
  if (number.kind === 'invalid' || seconds.kind === 'invalid') return ctx.reply.fail(400);
  const { catalog } = ctx.state;
  const coll = catalog.findCollection(lpath);
  if (coll && isVisible(coll.acl, ctx.who)) return ctx.reply.irods(400, IRODS.NOT_A_DATA_OBJECT);
  const leaf = ctx.params.str('leaf-resource');
  const reference = ctx.params.str('reference');
  if (
    (number.kind === 'value' && leaf !== undefined) ||
    (seconds.kind === 'value' && reference !== undefined)
  ) {
    return ctx.reply.irods(200, IRODS.USER_INCOMPATIBLE_PARAMS);
  }
  if (seconds.kind === 'value' && seconds.value < 0)
    return ctx.reply.irods(200, IRODS.INPUT_ARG_NOT_WELL_FORMED_ERR);
  if (leaf !== undefined && !catalog.resources.has(leaf))
    return ctx.reply.irods(200, IRODS.SYS_RESC_DOES_NOT_EXIST);
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
    const resource = catalog.resources.get(leaf ?? catalog.defaultResource.name)!;
    object = catalog.createDataObject(place.parent, place.name, ctx.who.name, resource);
  }
  let replica: Replica | undefined;
  if (number.kind === 'value') {
    replica = object.replicas.find((r) => r.number === number.value);
    if (!replica) return ctx.reply.irods(200, IRODS.SYS_REPLICA_DOES_NOT_EXIST);
  } else if (leaf !== undefined) {
    replica = object.replicas.find((r) => r.resource === leaf);
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

function rename(ctx: OpContext): void {
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
  moveVaultFiles(ctx, object);
  ctx.reply.irods(200, 0);
}

/** Replicas stored in a vault follow their object's new logical path, as iRODS moves them. */
function moveVaultFiles(ctx: OpContext, object: DataObject): void {
  const { catalog } = ctx.state;
  for (const replica of object.replicas) {
    const resource = catalog.resources.get(replica.resource);
    if (
      !resource ||
      !replica.physicalPath.startsWith(`${resource.vaultPath}/`) ||
      !existsSync(replica.physicalPath)
    )
      continue;
    const target = catalog.vaultPathFor(resource, catalog.dataObjectPath(object));
    renameSync(replica.physicalPath, target);
    replica.physicalPath = target;
  }
  catalog.saveDataObject(object);
}

function copy(ctx: OpContext): void {
  const source = required(ctx, 'src-lpath');
  if (source === undefined) return;
  const destination = required(ctx, 'dst-lpath');
  if (destination === undefined) return;
  const object = visibleDataObject(ctx, source);
  if (!object) return ctx.reply.irods(400, IRODS.NOT_A_DATA_OBJECT);
  const { catalog } = ctx.state;
  const fail = (name: IrodsErrorName) =>
    ctx.reply.irods(200, IRODS[name], libraryMessage('cannot copy data object', name));
  const srcResource = ctx.params.str('src-resource');
  const dstResource = ctx.params.str('dst-resource');
  for (const name of [srcResource, dstResource]) {
    if (name !== undefined && !catalog.resources.has(name)) return fail('SYS_RESC_DOES_NOT_EXIST');
  }
  const from =
    srcResource === undefined
      ? latestGoodReplica(object)
      : object.replicas.find((r) => r.resource === srcResource);
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
  if (target) {
    if (!ctx.params.flag('overwrite')) return fail('OVERWRITE_WITHOUT_FORCE_FLAG');
    if (!isVisible(target.acl, ctx.who) || !hasLevel(target.acl, ctx.who, 'modify_object'))
      return fail('CAT_NO_ACCESS_PERMISSION');
    if (target.lock !== undefined) return fail('HIERARCHY_ERROR');
  } else {
    const resource = catalog.resources.get(dstResource ?? catalog.defaultResource.name)!;
    target = catalog.createDataObject(place.parent, place.name, ctx.who.name, resource);
  }
  const into = latestGoodReplica(target) ?? target.replicas[0]!;
  copyFileSync(from.physicalPath, into.physicalPath);
  refreshReplica(into, from.checksum);
  markOthersStale(target, into);
  catalog.saveDataObject(target);
  ctx.reply.irods(200, 0);
}

function refreshReplica(replica: Replica, checksum: string): void {
  replica.size = statSync(replica.physicalPath).size;
  replica.checksum = checksum;
  replica.status = REPLICA_STATUS.good;
  replica.modifyTime = nowSeconds();
}

function markOthersStale(object: DataObject, fresh: Replica): void {
  for (const replica of object.replicas) {
    if (replica !== fresh && replica.status === REPLICA_STATUS.good)
      replica.status = REPLICA_STATUS.stale;
  }
}

function replicate(ctx: OpContext): void {
  const lpath = required(ctx, 'lpath');
  if (lpath === undefined) return;
  const dstResource = required(ctx, 'dst-resource');
  if (dstResource === undefined) return;
  const asAdmin = adminMode(ctx);
  if (asAdmin === undefined) return;
  const { catalog } = ctx.state;
  const numberText = ctx.params.str('src-replica-number');
  const number = numberText === undefined ? undefined : ctx.params.int('src-replica-number');
  if (number?.kind === 'invalid') return ctx.reply.irods(200, IRODS.USER_INVALID_REPLICA_INPUT);
  if (number?.kind === 'value' && number.value < 0)
    return ctx.reply.irods(200, IRODS.SYS_REPLICA_INACCESSIBLE);
  const srcResource = ctx.params.str('src-resource');
  for (const name of [srcResource, dstResource]) {
    if (name !== undefined && !catalog.resources.has(name))
      return ctx.reply.irods(200, IRODS.SYS_RESC_DOES_NOT_EXIST);
  }
  const object = visibleDataObject(ctx, lpath);
  if (!object) return ctx.reply.irods(200, IRODS.OBJ_PATH_DOES_NOT_EXIST);
  if (!hasLevel(object.acl, ctx.who, 'read_object', asAdmin))
    return ctx.reply.irods(200, IRODS.CAT_NO_ACCESS_PERMISSION);
  const source =
    number?.kind === 'value'
      ? object.replicas.find((r) => r.number === number.value)
      : srcResource !== undefined
        ? object.replicas.find(
            (r) => r.resource === srcResource && r.status === REPLICA_STATUS.good,
          )
        : latestGoodReplica(object);
  if (!source || source.status !== REPLICA_STATUS.good)
    return ctx.reply.irods(200, IRODS.SYS_REPLICA_INACCESSIBLE);
  const existing = object.replicas.find((r) => r.resource === dstResource);
  if (existing === source || existing?.status === REPLICA_STATUS.good)
    return ctx.reply.irods(200, 0);
  if (existing) {
    copyFileSync(source.physicalPath, existing.physicalPath);
    refreshReplica(existing, source.checksum);
    existing.modifyTime = source.modifyTime;
    catalog.saveDataObject(object);
  }
  ctx.reply.irods(200, 0);
}

function trim(ctx: OpContext): void {
  const lpath = required(ctx, 'lpath');
  if (lpath === undefined) return;
  const numberText = required(ctx, 'replica-number');
  if (numberText === undefined) return;
  const number = ctx.params.int('replica-number');
  if (number.kind !== 'value') return ctx.reply.fail(400);
  const asAdmin = adminMode(ctx);
  if (asAdmin === undefined) return;
  const object = visibleDataObject(ctx, lpath);
  if (!object) return ctx.reply.irods(200, IRODS.OBJ_PATH_DOES_NOT_EXIST);
  const replica = object.replicas.find((r) => r.number === number.value);
  if (!replica) return ctx.reply.irods(200, IRODS.SYS_REPLICA_DOES_NOT_EXIST);
  if (!hasLevel(object.acl, ctx.who, 'delete_object', asAdmin))
    return ctx.reply.irods(200, IRODS.CAT_NO_ACCESS_PERMISSION);
  const goodOthers = object.replicas.filter(
    (r) => r !== replica && r.status === REPLICA_STATUS.good,
  );
  if (
    object.replicas.length === 1 ||
    (replica.status === REPLICA_STATUS.good && goodOthers.length === 0)
  ) {
    return ctx.reply.irods(200, IRODS.SYS_NOT_ALLOWED);
  }
  object.replicas = object.replicas.filter((r) => r !== replica);
  ctx.state.catalog.saveDataObject(object);
  // A trimmed replica's file goes too, unless only its catalog entry is removed.
  if (!ctx.params.flag('catalog-only')) rmSync(replica.physicalPath, { force: true });
  ctx.reply.irods(200, 0);
}

function truncate(ctx: OpContext): void {
  const lpath = required(ctx, 'lpath');
  if (lpath === undefined) return;
  // The real server's check for a missing `size` is broken (§5.2.17); 400 is the sane reading.
  const sizeText = required(ctx, 'size');
  if (sizeText === undefined) return;
  const size = ctx.params.long('size');
  if (size.kind !== 'value') return ctx.reply.fail(400);
  const asAdmin = adminMode(ctx);
  if (asAdmin === undefined) return;
  const object = visibleDataObject(ctx, lpath);
  if (!object) return ctx.reply.irods(200, IRODS.OBJ_PATH_DOES_NOT_EXIST);
  const selection = selectReplica(ctx, object);
  if (selection.kind === 'bad-number') return ctx.reply.fail(400);
  if (selection.kind === 'conflict') return ctx.reply.irods(200, IRODS.SYS_INVALID_INPUT_PARAM);
  const replica = selection.replica;
  if (!replica) return ctx.reply.irods(200, IRODS.SYS_REPLICA_DOES_NOT_EXIST);
  if (!hasLevel(object.acl, ctx.who, 'modify_object', asAdmin))
    return ctx.reply.irods(200, IRODS.CAT_NO_ACCESS_PERMISSION);
  if (size.value < 0) return ctx.reply.irods(200, IRODS.SYS_INVALID_INPUT_PARAM);
  if (object.lock !== undefined) return ctx.reply.irods(200, IRODS.HIERARCHY_ERROR);
  mkdirSync(dirname(replica.physicalPath), { recursive: true });
  if (!existsSync(replica.physicalPath)) copyFileSync('/dev/null', replica.physicalPath);
  truncateSync(replica.physicalPath, size.value);
  replica.size = size.value;
  replica.checksum = '';
  replica.status = REPLICA_STATUS.good;
  replica.modifyTime = nowSeconds();
  markOthersStale(object, replica);
  ctx.state.catalog.saveDataObject(object);
  ctx.reply.irods(200, 0);
}

async function register(ctx: OpContext): Promise<void> {
  const lpath = required(ctx, 'lpath');
  if (lpath === undefined) return;
  const ppath = required(ctx, 'ppath');
  if (ppath === undefined) return;
  const resourceName = required(ctx, 'resource');
  if (resourceName === undefined) return;
  const { catalog } = ctx.state;
  const resource = catalog.resources.get(resourceName);
  if (!resource) return ctx.reply.irods(200, IRODS.SYS_RESC_DOES_NOT_EXIST);
  if (!ppath.startsWith('/') || !existsSync(ppath))
    return ctx.reply.irods(200, IRODS.SYS_INVALID_INPUT_PARAM);
  if (catalog.findCollection(lpath))
    return ctx.reply.irods(200, IRODS.CAT_NAME_EXISTS_AS_COLLECTION);
  const dataSize = ctx.params.long('data-size');
  // A non-numeric data-size records 0 (§5.2.9); an absent one means "stat the file".
  const size =
    dataSize.kind === 'absent'
      ? statSync(ppath).size
      : dataSize.kind === 'value'
        ? dataSize.value
        : 0;
  const checksum = ctx.params.flag('checksum') ? await fileChecksum(ppath) : '';
  const now = nowSeconds();
  const existing = catalog.findDataObject(lpath);
  if (ctx.params.flag('as-additional-replica')) {
    if (!existing || !isVisible(existing.acl, ctx.who))
      return ctx.reply.irods(200, IRODS.OBJ_PATH_DOES_NOT_EXIST);
    if (!hasLevel(existing.acl, ctx.who, 'modify_object'))
      return ctx.reply.irods(200, IRODS.CAT_NO_ACCESS_PERMISSION);
    const replica: Replica = {
      number: Math.max(...existing.replicas.map((r) => r.number)) + 1,
      resource: resource.name,
      physicalPath: ppath,
      size,
      checksum,
      status: REPLICA_STATUS.good,
      createTime: now,
      modifyTime: now,
    };
    existing.replicas.push(replica);
    markOthersStale(existing, replica);
    catalog.saveDataObject(existing);
    return ctx.reply.irods(200, 0);
  }
  if (existing) return ctx.reply.irods(200, IRODS.CAT_NAME_EXISTS_AS_DATAOBJ);
  const place = catalog.splitPath(lpath);
  if (!place?.parent) return ctx.reply.irods(200, IRODS.OBJ_PATH_DOES_NOT_EXIST);
  if (
    !isVisible(place.parent.acl, ctx.who) ||
    !hasLevel(place.parent.acl, ctx.who, 'create_object')
  ) {
    return ctx.reply.irods(200, IRODS.CAT_NO_ACCESS_PERMISSION);
  }
  const object = catalog.adoptDataObject(place.parent, place.name, ctx.who.name);
  object.replicas.push({
    number: 0,
    resource: resource.name,
    physicalPath: ppath,
    size,
    checksum,
    status: REPLICA_STATUS.good,
    createTime: now,
    modifyTime: now,
  });
  catalog.saveDataObject(object);
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
