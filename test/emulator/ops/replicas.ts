/**
 * Replica-level `/data-objects` ops: `replicate` and `trim` (§5.2.16), `truncate` (§5.2.17) and
 * `register` (§5.2.9), with the server behaviour read from rsDataObjRepl.cpp, rsRegReplica.cpp
 * and plugins/api/src/register_physical_path.cpp where the spec and the tests are silent.
 */
import { truncateSync } from 'node:fs';
import { hasLevel, isVisible } from '../acl.js';
import { newReplica } from '../catalog.js';
import { schemeOf } from '../checksum.js';
import { IRODS } from '../codes.js';
import { CONTENT_EVENTS } from '../content-log.js';
import {
  REPLICA_STATUS,
  latestGoodReplica,
  markOthersStale,
  nextReplicaNumber,
  nowSeconds,
  replicaNumbered,
  type Replica,
  type Resource,
} from '../model.js';
import { copyReplica, placeBelow, replicateAfterWrite, whileLocked } from '../replication.js';
import type { Resolution } from '../resources.js';
import type { OpContext } from '../state.js';
import { StorageError } from '../storage.js';
import { adminMode, required } from './common.js';
import { visibleDataObject } from './data-read.js';
import { REPLICA_RULES, targetReplica } from './replica-target.js';

export async function replicate(ctx: OpContext): Promise<void> {
  const lpath = required(ctx, 'lpath');
  if (lpath === undefined) return;
  const dstName = required(ctx, 'dst-resource');
  if (dstName === undefined) return;
  const asAdmin = adminMode(ctx);
  if (asAdmin === undefined) return;
  const { catalog } = ctx.state;
  const numberText = ctx.params.str('src-replica-number');
  const number = numberText === undefined ? undefined : ctx.params.int('src-replica-number');
  if (number?.kind === 'invalid') return ctx.reply.irods(200, IRODS.USER_INVALID_REPLICA_INPUT);
  if (number?.kind === 'value' && number.value < 0)
    return ctx.reply.irods(200, IRODS.SYS_REPLICA_INACCESSIBLE);
  const srcName = ctx.params.str('src-resource');
  let srcRoot: Resource | undefined;
  if (srcName !== undefined) {
    const named = catalog.resources.rootNamed(srcName);
    if (!named.ok) return ctx.reply.irods(200, named.code);
    srcRoot = named.resource;
  }
  const dst = catalog.resources.rootNamed(dstName);
  if (!dst.ok) return ctx.reply.irods(200, dst.code);
  const object = visibleDataObject(ctx, lpath);
  if (!object) return ctx.reply.irods(200, IRODS.OBJ_PATH_DOES_NOT_EXIST);
  if (!hasLevel(object.acl, ctx.who, 'read_object', asAdmin))
    return ctx.reply.irods(200, IRODS.CAT_NO_ACCESS_PERMISSION);
  if (object.lock !== undefined) return ctx.reply.irods(200, IRODS.HIERARCHY_ERROR);
  const named = number?.kind === 'value' || srcRoot !== undefined;
  const source =
    number?.kind === 'value'
      ? replicaNumbered(object, number.value)
      : srcRoot !== undefined
        ? catalog.resources.replicasBelow(object, srcRoot)[0]
        : latestGoodReplica(object);
  if (!source) return ctx.reply.irods(200, IRODS.SYS_REPLICA_INACCESSIBLE);
  // rsDataObjRepl: "only good replica can be used as a source".
  if (source.status !== REPLICA_STATUS.good) {
    return ctx.reply.irods(200, named ? IRODS.SYS_NOT_ALLOWED : IRODS.SYS_REPLICA_INACCESSIBLE);
  }
  const [existing] = catalog.resources.replicasBelow(object, dst.resource);
  // A good destination (or the source itself) needs no data movement.
  if (existing && (existing === source || existing.status === REPLICA_STATUS.good)) {
    return ctx.reply.irods(200, 0);
  }
  const outcome = await whileLocked(object, async () => {
    const placement = await placeBelow(catalog, object, dst.resource);
    if (!placement.ok) return placement.code;
    try {
      await copyReplica(catalog, object, source, placement.replica);
    } catch (error) {
      return storageCode(error);
    }
    // The destination's fileModified lets a replication resource there fill its other children.
    await replicateAfterWrite(catalog, object, placement.replica);
    return 0;
  });
  ctx.reply.irods(200, outcome ? outcome.value : IRODS.HIERARCHY_ERROR);
}

export function trim(ctx: OpContext): void {
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
  const replica = replicaNumbered(object, number.value);
  if (!replica) return ctx.reply.irods(200, IRODS.SYS_REPLICA_DOES_NOT_EXIST);
  if (!hasLevel(object.acl, ctx.who, 'delete_object', asAdmin))
    return ctx.reply.irods(200, IRODS.CAT_NO_ACCESS_PERMISSION);
  if (object.lock !== undefined) return ctx.reply.irods(200, IRODS.HIERARCHY_ERROR);
  const goodOthers = object.replicas.filter(
    (r) => r !== replica && r.status === REPLICA_STATUS.good,
  );
  // The last replica, and the last good one, stay [test comment].
  if (
    object.replicas.length === 1 ||
    (replica.status === REPLICA_STATUS.good && goodOthers.length === 0)
  ) {
    return ctx.reply.irods(200, IRODS.SYS_NOT_ALLOWED);
  }
  object.replicas = object.replicas.filter((r) => r !== replica);
  ctx.state.catalog.saveDataObject(object);
  // A trimmed replica's bytes go too, unless only its catalog entry is removed.
  if (!ctx.params.flag('catalog-only')) ctx.state.catalog.vaults.removeAll([replica]);
  ctx.reply.irods(200, 0);
}

export async function truncate(ctx: OpContext): Promise<void> {
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
  const target = targetReplica(ctx, object, REPLICA_RULES);
  if (target.kind === 'bad-number') return ctx.reply.fail(400);
  if (target.kind === 'conflict') return ctx.reply.irods(200, IRODS.SYS_INVALID_INPUT_PARAM);
  if (target.kind === 'missing') return ctx.reply.irods(200, target.code);
  const replica = target.kind === 'replica' ? target.replica : latestGoodReplica(object);
  if (!replica) return ctx.reply.irods(200, IRODS.SYS_NO_GOOD_REPLICA);
  if (!hasLevel(object.acl, ctx.who, 'modify_object', asAdmin))
    return ctx.reply.irods(200, IRODS.CAT_NO_ACCESS_PERMISSION);
  if (size.value < 0) return ctx.reply.irods(200, IRODS.SYS_INVALID_INPUT_PARAM);
  if (object.lock !== undefined) return ctx.reply.irods(200, IRODS.HIERARCHY_ERROR);
  try {
    await resizeStored(ctx, replica, size.value);
  } catch (error) {
    return ctx.reply.irods(200, storageCode(error));
  }
  replica.size = size.value;
  replica.checksum = '';
  replica.status = REPLICA_STATUS.good;
  replica.modifyTime = nowSeconds();
  markOthersStale(object, replica);
  ctx.state.catalog.saveDataObject(object);
  ctx.reply.irods(200, 0);
}

/** Grows (with zeros) or shrinks the stored bytes of a replica. */
async function resizeStored(ctx: OpContext, replica: Replica, size: number): Promise<void> {
  const { vaults } = ctx.state.catalog;
  const leaf = vaults.leafOf(replica)!;
  const storage = vaults.storageOf(leaf);
  const staging = vaults.stagingFile();
  try {
    if ((await storage.size(replica.physicalPath)) !== undefined) {
      await storage.fetch(replica.physicalPath, staging);
    }
    truncateSync(staging, size);
    await storage.store(replica.physicalPath, staging);
  } finally {
    vaults.discard(staging);
  }
}

/** The leaf a registration goes to (register_physical_path.cpp's resolution of the resource). */
function registrationLeaf(ctx: OpContext, name: string): Resolution {
  const { resources } = ctx.state.catalog;
  const resource = resources.byName(name);
  if (!resource) return { ok: false, code: IRODS.SYS_RESC_DOES_NOT_EXIST };
  const hasChildren = resources.children(resource).length > 0;
  if (resource.parent !== undefined && hasChildren) {
    return { ok: false, code: IRODS.HIERARCHY_ERROR };
  }
  return hasChildren ? resources.leafForCreate(resource) : { ok: true, resource };
}

export async function register(ctx: OpContext): Promise<void> {
  const lpath = required(ctx, 'lpath');
  if (lpath === undefined) return;
  const ppath = required(ctx, 'ppath');
  if (ppath === undefined) return;
  const resourceName = required(ctx, 'resource');
  if (resourceName === undefined) return;
  const { catalog } = ctx.state;
  const leaf = registrationLeaf(ctx, resourceName);
  if (!leaf.ok) return ctx.reply.irods(200, leaf.code);
  if (!ppath.startsWith('/')) return ctx.reply.irods(200, IRODS.SYS_INVALID_FILE_PATH);
  if (catalog.findCollection(lpath))
    return ctx.reply.irods(200, IRODS.CAT_NAME_EXISTS_AS_COLLECTION);
  const existing = catalog.findDataObject(lpath);
  const additional = ctx.params.flag('as-additional-replica');
  if (additional) {
    if (!existing || !isVisible(existing.acl, ctx.who))
      return ctx.reply.irods(200, IRODS.OBJ_PATH_DOES_NOT_EXIST);
    if (!hasLevel(existing.acl, ctx.who, 'modify_object'))
      return ctx.reply.irods(200, IRODS.CAT_NO_ACCESS_PERMISSION);
    if (existing.lock !== undefined) return ctx.reply.irods(200, IRODS.HIERARCHY_ERROR);
  } else {
    if (existing) return ctx.reply.irods(200, IRODS.CAT_NAME_EXISTS_AS_DATAOBJ);
    const place = catalog.splitPath(lpath);
    if (!place?.parent) return ctx.reply.irods(200, IRODS.OBJ_PATH_DOES_NOT_EXIST);
    if (
      !isVisible(place.parent.acl, ctx.who) ||
      !hasLevel(place.parent.acl, ctx.who, 'create_object')
    ) {
      return ctx.reply.irods(200, IRODS.CAT_NO_ACCESS_PERMISSION);
    }
  }
  const replica = newReplica(0, leaf.resource, ppath, REPLICA_STATUS.good);
  try {
    await describeRegistered(ctx, replica, additional ? existing : undefined);
  } catch (error) {
    return ctx.reply.irods(200, storageCode(error));
  }
  if (additional && existing) {
    replica.number = nextReplicaNumber(existing);
    existing.replicas.push(replica);
    markOthersStale(existing, replica);
    catalog.saveDataObject(existing);
    ctx.state.contentLog.record(lpath, CONTENT_EVENTS.register, replica.size);
    return ctx.reply.irods(200, 0);
  }
  const place = catalog.splitPath(lpath)!;
  if (catalog.findDataObject(lpath)) return ctx.reply.irods(200, IRODS.CAT_NAME_EXISTS_AS_DATAOBJ);
  const object = catalog.adoptDataObject(place.parent!, place.name, ctx.who.name);
  object.replicas.push(replica);
  catalog.saveDataObject(object);
  ctx.state.contentLog.record(lpath, CONTENT_EVENTS.register, replica.size);
  ctx.reply.irods(200, 0);
}

/**
 * Size and checksum of a registered replica. `data-size` is recorded as given, without looking
 * at the file (a non-numeric value records 0); without it the file is stat'ed. A new object gets
 * a checksum computed in the default scheme when `checksum=1`; an additional replica gets one
 * when the object's source replica has one (rsRegReplica), in that checksum's scheme.
 */
async function describeRegistered(
  ctx: OpContext,
  replica: Replica,
  existing: Parameters<typeof latestGoodReplica>[0] | undefined,
): Promise<void> {
  const { vaults } = ctx.state.catalog;
  const dataSize = ctx.params.long('data-size');
  const source = existing ? (latestGoodReplica(existing) ?? existing.replicas[0]) : undefined;
  if (dataSize.kind === 'value') replica.size = dataSize.value;
  else if (dataSize.kind === 'invalid') replica.size = 0;
  else {
    const stored = await vaults.storedSize(replica);
    const leaf = vaults.leafOf(replica)!;
    if (stored === undefined && !source) {
      throw new StorageError(
        `cannot stat ${replica.physicalPath}`,
        vaults.isLocal(leaf) ? IRODS.UNIX_FILE_STAT_ERR - 2 : IRODS.S3_FILE_STAT_ERR,
      );
    }
    replica.size = stored ?? source!.size;
  }
  if (source) {
    if (source.checksum !== '') {
      replica.checksum = await vaults.checksum(replica, schemeOf(source.checksum));
    }
  } else if (ctx.params.flag('checksum')) {
    replica.checksum = await vaults.checksum(
      replica,
      ctx.state.config.irods_server.default_hash_scheme,
    );
  }
}

/** The iRODS code of a storage failure (a missing local file reads as an open error). */
function storageCode(error: unknown): number {
  if (error instanceof StorageError) return error.irodsCode;
  const code = (error as { code?: string }).code;
  if (code === 'ENOENT') return IRODS.UNIX_FILE_OPEN_ERR - 2;
  throw error;
}
