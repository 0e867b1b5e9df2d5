/** `/collections` ops (spec §5.1). */
import { hasLevel, isVisible, type Principal } from '../acl.js';
import { Catalog } from '../catalog.js';
import { IRODS, libraryMessage } from '../codes.js';
import { nowSeconds, type Collection } from '../model.js';
import type { OpContext, RouteOps } from '../state.js';
import { trashDestination } from '../trash.js';
import { ENTITY_KINDS, modifyPermissions, setPermission } from './batches.js';
import { modifyMetadata } from './metadata.js';
import { permissionsJson, required } from './common.js';
import { ticketRefused } from './tickets.js';

function visibleCollection(ctx: OpContext, lpath: string): Collection | undefined {
  const coll = ctx.state.catalog.findCollection(lpath);
  return coll && isVisible(coll.acl, ctx.who) ? coll : undefined;
}

function create(ctx: OpContext): void {
  const lpath = required(ctx, 'lpath');
  if (lpath === undefined) return;
  const { catalog } = ctx.state;
  const parts = Catalog.segments(lpath);
  if (parts === undefined || parts.length === 0) {
    return ctx.reply.irods(
      200,
      IRODS.SYS_INVALID_INPUT_PARAM,
      libraryMessage('cannot create collection', 'SYS_INVALID_INPUT_PARAM'),
    );
  }
  if (catalog.findCollection(lpath) || catalog.findDataObject(lpath)) {
    return ctx.reply.json(200, { created: false, irods_response: { status_code: 0 } });
  }
  if (!ctx.params.flag('create-intermediates')) {
    const place = catalog.splitPath(lpath)!;
    if (!place.parent || !isVisible(place.parent.acl, ctx.who)) {
      return ctx.reply.irods(
        200,
        IRODS.OBJ_PATH_DOES_NOT_EXIST,
        libraryMessage('path does not exist', 'OBJ_PATH_DOES_NOT_EXIST'),
      );
    }
    if (!hasLevel(place.parent.acl, ctx.who, 'create_object')) {
      return ctx.reply.irods(
        200,
        IRODS.CAT_NO_ACCESS_PERMISSION,
        libraryMessage('cannot create collection', 'CAT_NO_ACCESS_PERMISSION'),
      );
    }
    catalog.createCollection(place.parent, place.name, ctx.who.name);
    return ctx.reply.json(200, { created: true, irods_response: { status_code: 0 } });
  }
  let at = catalog.root;
  for (const part of parts) {
    const next = at.collections.get(part);
    if (next) {
      if (!isVisible(next.acl, ctx.who)) return intermediateFailure(ctx);
      at = next;
      continue;
    }
    if (at.objects.has(part) || !isVisible(at.acl, ctx.who)) return intermediateFailure(ctx);
    if (!hasLevel(at.acl, ctx.who, 'create_object')) {
      return ctx.reply.irods(
        200,
        IRODS.CAT_NO_ACCESS_PERMISSION,
        libraryMessage('cannot create collection', 'CAT_NO_ACCESS_PERMISSION'),
      );
    }
    at = catalog.createCollection(at, part, ctx.who.name);
  }
  ctx.reply.json(200, { created: true, irods_response: { status_code: 0 } });
}

/** The upstream test pins -130000 for a recursive create through an invisible collection. */
function intermediateFailure(ctx: OpContext): void {
  ctx.reply.irods(
    200,
    IRODS.SYS_INVALID_INPUT_PARAM,
    libraryMessage('cannot create collection', 'SYS_INVALID_INPUT_PARAM'),
  );
}

function stat(ctx: OpContext): void {
  const lpath = required(ctx, 'lpath');
  if (lpath === undefined || ticketRefused(ctx)) return;
  const coll = visibleCollection(ctx, lpath);
  if (!coll) return ctx.reply.irods(200, IRODS.NOT_A_COLLECTION);
  ctx.reply.json(200, {
    inheritance_enabled: coll.inheritance,
    irods_response: { status_code: 0 },
    modified_at: coll.modifyTime,
    permissions: permissionsJson(ctx.state.catalog, coll.acl),
    registered: true,
    type: 'collection',
  });
}

function list(ctx: OpContext): void {
  const lpath = required(ctx, 'lpath');
  if (lpath === undefined || ticketRefused(ctx)) return;
  const coll = visibleCollection(ctx, lpath);
  if (!coll) return ctx.reply.irods(400, IRODS.NOT_A_COLLECTION);
  const entries: string[] = [];
  collectEntries(ctx.state.catalog, ctx.who, coll, ctx.params.flag('recurse'), entries);
  ctx.reply.json(200, {
    entries: entries.length === 0 ? null : entries,
    irods_response: { status_code: 0 },
  });
}

/** Sub-collections first, then data objects, each sorted; recursion is depth-first pre-order. */
function collectEntries(
  catalog: Catalog,
  who: Principal,
  coll: Collection,
  recurse: boolean,
  out: string[],
): void {
  const base = catalog.collectionPath(coll);
  const prefix = base === '/' ? '/' : `${base}/`;
  const children = [...coll.collections.values()].filter((c) => isVisible(c.acl, who));
  children.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const objects = [...coll.objects.values()]
    .filter((o) => isVisible(o.acl, who))
    .map((o) => o.name);
  objects.sort();
  for (const child of children) {
    out.push(`${prefix}${child.name}`);
    if (recurse) collectEntries(catalog, who, child, true, out);
  }
  for (const name of objects) out.push(`${prefix}${name}`);
}

function remove(ctx: OpContext): void {
  const lpath = required(ctx, 'lpath');
  if (lpath === undefined) return;
  const coll = visibleCollection(ctx, lpath);
  if (!coll) return ctx.reply.irods(400, IRODS.NOT_A_COLLECTION);
  const { catalog } = ctx.state;
  const empty = coll.collections.size === 0 && coll.objects.size === 0;
  if (!empty && !ctx.params.flag('recurse')) {
    return ctx.reply.irods(
      200,
      IRODS.SYS_COLLECTION_NOT_EMPTY,
      libraryMessage('cannot remove non-empty collection', 'SYS_COLLECTION_NOT_EMPTY'),
    );
  }
  // Quirk (§5.1.4): a refusal by the server's removal call is reported as success.
  if (coll.parent === undefined || !mayDeleteTree(ctx.who, coll)) return ctx.reply.irods(200, 0);
  if (ctx.params.flag('no-trash')) catalog.deleteCollectionTree(coll, true);
  else {
    const target = trashDestination(catalog, ctx.who, lpath);
    catalog.moveCollection(coll, target.parent, target.name);
  }
  ctx.reply.irods(200, 0);
}

function mayDeleteTree(who: Principal, coll: Collection): boolean {
  if (!hasLevel(coll.acl, who, 'delete_object')) return false;
  for (const object of coll.objects.values())
    if (!hasLevel(object.acl, who, 'delete_object')) return false;
  for (const child of coll.collections.values()) if (!mayDeleteTree(who, child)) return false;
  return true;
}

function rename(ctx: OpContext): void {
  const oldPath = required(ctx, 'old-lpath');
  if (oldPath === undefined) return;
  const newPath = required(ctx, 'new-lpath');
  if (newPath === undefined) return;
  const coll = visibleCollection(ctx, oldPath);
  if (!coll) return ctx.reply.irods(400, IRODS.NOT_A_COLLECTION);
  const { catalog } = ctx.state;
  const fail = (name: Parameters<typeof libraryMessage>[1]) =>
    ctx.reply.irods(400, IRODS[name], libraryMessage('cannot rename collection', name));
  if (/(\/|\/\.|\/\.\.)$/.test(newPath) || newPath === '.' || newPath === '..')
    return fail('SYS_INVALID_INPUT_PARAM');
  const oldCanonical = catalog.collectionPath(coll);
  if (newPath === oldCanonical || newPath.startsWith(`${oldCanonical}/`))
    return fail('SYS_INVALID_INPUT_PARAM');
  if (catalog.findDataObject(newPath)) return fail('INVALID_OBJECT_TYPE');
  if (catalog.findCollection(newPath)) return fail('CAT_NAME_EXISTS_AS_COLLECTION');
  const place = catalog.splitPath(newPath);
  if (!place?.parent || !isVisible(place.parent.acl, ctx.who))
    return fail('OBJ_PATH_DOES_NOT_EXIST');
  if (
    !hasLevel(coll.acl, ctx.who, 'delete_object') ||
    !hasLevel(place.parent.acl, ctx.who, 'create_object')
  ) {
    return fail('CAT_NO_ACCESS_PERMISSION');
  }
  coll.modifyTime = nowSeconds();
  catalog.moveCollection(coll, place.parent, place.name);
  ctx.reply.irods(200, 0);
}

function touch(ctx: OpContext): void {
  const lpath = required(ctx, 'lpath');
  if (lpath === undefined) return;
  const seconds = ctx.params.int('seconds-since-epoch');
  if (seconds.kind === 'invalid') return ctx.reply.fail(400);
  const reference = ctx.params.str('reference');
  const { catalog } = ctx.state;
  if (catalog.findDataObject(lpath)) return ctx.reply.irods(400, IRODS.NOT_A_COLLECTION);
  const coll = visibleCollection(ctx, lpath);
  if (!coll) return ctx.reply.irods(200, 0);
  if (seconds.kind === 'value' && reference !== undefined)
    return ctx.reply.irods(200, IRODS.USER_INCOMPATIBLE_PARAMS);
  if (seconds.kind === 'value' && seconds.value < 0)
    return ctx.reply.irods(200, IRODS.INPUT_ARG_NOT_WELL_FORMED_ERR);
  let mtime = nowSeconds();
  if (seconds.kind === 'value') mtime = seconds.value;
  else if (reference !== undefined) {
    const referenced = referenceTime(ctx, reference);
    if (referenced === undefined) return ctx.reply.irods(200, IRODS.OBJ_PATH_DOES_NOT_EXIST);
    mtime = referenced;
  }
  if (!hasLevel(coll.acl, ctx.who, 'modify_object'))
    return ctx.reply.irods(200, IRODS.CAT_NO_ACCESS_PERMISSION);
  coll.modifyTime = mtime;
  catalog.saveCollection(coll);
  ctx.reply.irods(200, 0);
}

/** The mtime of a visible collection or data object (its latest replica), for `reference`. */
export function referenceTime(ctx: OpContext, lpath: string): number | undefined {
  const { catalog } = ctx.state;
  const coll = catalog.findCollection(lpath);
  if (coll) return isVisible(coll.acl, ctx.who) ? coll.modifyTime : undefined;
  const object = catalog.findDataObject(lpath);
  if (!object || !isVisible(object.acl, ctx.who)) return undefined;
  return Math.max(...object.replicas.map((r) => r.modifyTime));
}

function setInheritance(ctx: OpContext): void {
  const lpath = required(ctx, 'lpath');
  if (lpath === undefined) return;
  const enable = required(ctx, 'enable');
  if (enable === undefined) return;
  const coll = visibleCollection(ctx, lpath);
  if (!coll) return ctx.reply.irods(400, IRODS.NOT_A_COLLECTION);
  const asAdmin = ctx.params.flag('admin');
  if (asAdmin && !ctx.who.admin)
    return ctx.reply.irods(
      200,
      IRODS.CAT_INSUFFICIENT_PRIVILEGE_LEVEL,
      'CAT_INSUFFICIENT_PRIVILEGE_LEVEL',
    );
  if (!hasLevel(coll.acl, ctx.who, 'own', asAdmin))
    return ctx.reply.irods(200, IRODS.CAT_NO_ACCESS_PERMISSION, 'CAT_NO_ACCESS_PERMISSION');
  coll.inheritance = enable === '1';
  coll.modifyTime = nowSeconds();
  ctx.state.catalog.saveCollection(coll);
  ctx.reply.irods(200, 0);
}

export const collectionOps: RouteOps = {
  GET: { list, stat },
  POST: {
    create,
    remove,
    rename,
    touch,
    set_permission: (ctx) => setPermission(ctx, ENTITY_KINDS.collection),
    set_inheritance: setInheritance,
    modify_permissions: (ctx) => modifyPermissions(ctx, ENTITY_KINDS.collection),
    modify_metadata: (ctx) => modifyMetadata(ctx, ENTITY_KINDS.collection),
  },
};
