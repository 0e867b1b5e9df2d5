/**
 * ACL changes shared by /collections and /data-objects: `set_permission` and the atomic batch
 * `modify_permissions` (§5.1.9), plus the reply and parsing shared with the metadata batch
 * (metadata.ts). A batch is applied to copies and committed only when every entry succeeded.
 */
import { hasLevel, isVisible, parsePermission, PERMISSION_LEVELS } from '../acl.js';
import { IRODS, type IrodsErrorName } from '../codes.js';
import type { JsonValue } from '../json.js';
import type { Collection, DataObject } from '../model.js';
import type { OpContext } from '../state.js';
import { adminMode, required } from './common.js';

export const ENTITY_KINDS = { collection: 'collection', dataObject: 'data_object' } as const;
export type EntityKind = (typeof ENTITY_KINDS)[keyof typeof ENTITY_KINDS];

type Entity = Collection | DataObject;

/** The entity of that kind at `lpath`, if it exists and the caller may see it. */
export function findEntity(ctx: OpContext, lpath: string, kind: EntityKind): Entity | undefined {
  const { catalog } = ctx.state;
  const entity =
    kind === ENTITY_KINDS.collection
      ? catalog.findCollection(lpath)
      : catalog.findDataObject(lpath);
  return entity && isVisible(entity.acl, ctx.who) ? entity : undefined;
}

function notOfKindCode(kind: EntityKind): number {
  return kind === ENTITY_KINDS.collection ? IRODS.NOT_A_COLLECTION : IRODS.NOT_A_DATA_OBJECT;
}

function save(ctx: OpContext, entity: Entity, kind: EntityKind): void {
  if (kind === ENTITY_KINDS.collection) ctx.state.catalog.saveCollection(entity as Collection);
  else ctx.state.catalog.saveDataObject(entity as DataObject);
}

export interface BatchFailure {
  readonly code: number;
  readonly message: string;
  readonly operation: JsonValue;
  readonly index: number;
}

export function failure(
  name: IrodsErrorName,
  message: string,
  operation: JsonValue,
  index: number,
): BatchFailure {
  return { code: IRODS[name], message, operation, index };
}

export function replyBatch(ctx: OpContext, outcome: BatchFailure | undefined): void {
  if (!outcome) {
    ctx.reply.json(200, { irods_response: { failed_operation: {}, status_code: 0 } });
    return;
  }
  ctx.reply.json(400, {
    irods_response: {
      failed_operation: {
        error_message: outcome.message,
        operation: outcome.operation,
        operation_index: outcome.index,
      },
      status_code: outcome.code,
    },
  });
}

/** Parses the `operations` JSON; undefined after answering 500 for malformed JSON. */
export function parseOperations(ctx: OpContext, text: string): unknown[] | undefined {
  try {
    const parsed: unknown = JSON.parse(text);
    if (Array.isArray(parsed)) return parsed as unknown[];
  } catch {
    // Falls through to the 500 the server's unhandled json exception produces.
  }
  ctx.reply.fail(500);
  return undefined;
}

/** `set_permission` (§5.1.7, §5.2.13). */
export function setPermission(ctx: OpContext, kind: EntityKind): void {
  const lpath = required(ctx, 'lpath');
  if (lpath === undefined) return;
  const entity = findEntity(ctx, lpath, kind);
  if (!entity) return ctx.reply.irods(400, notOfKindCode(kind));
  const entityName = required(ctx, 'entity-name');
  if (entityName === undefined) return;
  const permission = required(ctx, 'permission');
  if (permission === undefined) return;
  const level = parsePermission(permission);
  if (level === undefined) return ctx.reply.fail(400);
  const asAdmin = adminMode(ctx);
  if (asAdmin === undefined) return;
  if (!hasLevel(entity.acl, ctx.who, 'own', asAdmin)) {
    return ctx.reply.irods(200, IRODS.CAT_NO_ACCESS_PERMISSION, 'CAT_NO_ACCESS_PERMISSION');
  }
  const user = ctx.state.catalog.users.get(entityName.split('#')[0]!);
  if (!user) return ctx.reply.irods(200, IRODS.CAT_INVALID_USER, 'CAT_INVALID_USER');
  if (level === PERMISSION_LEVELS.null) entity.acl.delete(user.name);
  else entity.acl.set(user.name, level);
  save(ctx, entity, kind);
  ctx.reply.irods(200, 0);
}

/** `modify_permissions` (§5.1.9): all entries or none. */
export function modifyPermissions(ctx: OpContext, kind: EntityKind): void {
  const lpath = required(ctx, 'lpath');
  if (lpath === undefined) return;
  const text = required(ctx, 'operations');
  if (text === undefined) return;
  const entity = findEntity(ctx, lpath, kind);
  if (!entity) return ctx.reply.irods(400, notOfKindCode(kind));
  const operations = parseOperations(ctx, text);
  if (!operations) return;
  const asAdmin = adminMode(ctx, 400);
  if (asAdmin === undefined) return;
  if (!hasLevel(entity.acl, ctx.who, 'own', asAdmin)) {
    return replyBatch(ctx, failure('CAT_NO_ACCESS_PERMISSION', 'Insufficient privileges', null, 0));
  }
  const acl = new Map(entity.acl);
  for (const [index, entry] of operations.entries()) {
    const op = entry as Record<string, unknown>;
    if (
      typeof op !== 'object' ||
      op === null ||
      typeof op.entity_name !== 'string' ||
      typeof op.acl !== 'string'
    ) {
      return replyBatch(
        ctx,
        failure('JSON_VALIDATION_ERROR', 'Invalid operation', entry as JsonValue, index),
      );
    }
    const level = parsePermission(op.acl);
    if (level === undefined) {
      return replyBatch(
        ctx,
        failure(
          'SYS_INVALID_INPUT_PARAM',
          `Invalid ACL [acl=${op.acl}]`,
          entry as JsonValue,
          index,
        ),
      );
    }
    const user = ctx.state.catalog.users.get(op.entity_name);
    if (!user) {
      return replyBatch(
        ctx,
        failure(
          'CAT_INVALID_USER',
          `Entity does not exist [entity_name=${op.entity_name}]`,
          entry as JsonValue,
          index,
        ),
      );
    }
    if (level === PERMISSION_LEVELS.null) acl.delete(user.name);
    else acl.set(user.name, level);
  }
  entity.acl.clear();
  for (const [name, level] of acl) entity.acl.set(name, level);
  save(ctx, entity, kind);
  replyBatch(ctx, undefined);
}
