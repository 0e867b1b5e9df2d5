/**
 * `modify_metadata` (§5.1.10, §5.2.12), the atomic AVU batch of collections, data objects,
 * resources and users: only add and remove, idempotent, all or nothing. Collections and data
 * objects are named by `lpath` and need modify_object; resources and users are named by `name`
 * and only a rodsadmin may change their AVUs [srv: atomic_apply_metadata_operations.cpp,
 * catalog_utilities.cpp user_has_permission_to_modify_entity].
 */
import { hasLevel } from '../acl.js';
import type { JsonValue } from '../json.js';
import type { Avu } from '../model.js';
import type { OpContext } from '../state.js';
import {
  ENTITY_KINDS,
  failure,
  findEntity,
  parseOperations,
  replyBatch,
  type BatchFailure,
} from './batches.js';
import { adminMode, required } from './common.js';

export const METADATA_ENTITIES = { ...ENTITY_KINDS, resource: 'resource', user: 'user' } as const;
export type MetadataEntity = (typeof METADATA_ENTITIES)[keyof typeof METADATA_ENTITIES];

/** What a batch changes: the entity holding the AVUs, who may change it, how it is saved. */
interface Target {
  readonly entity: { avus: Avu[] };
  readonly mayModify: (asAdmin: boolean) => boolean;
  readonly save: () => void;
}

function targetOf(ctx: OpContext, name: string, kind: MetadataEntity): Target | undefined {
  const { catalog } = ctx.state;
  if (kind === METADATA_ENTITIES.resource) {
    const entity = catalog.resources.byName(name);
    return (
      entity && { entity, mayModify: () => ctx.who.admin, save: () => catalog.saveResource(entity) }
    );
  }
  if (kind === METADATA_ENTITIES.user) {
    const entity = catalog.users.get(name);
    return (
      entity && { entity, mayModify: () => ctx.who.admin, save: () => catalog.saveUser(entity) }
    );
  }
  const entity = findEntity(ctx, name, kind);
  return (
    entity && {
      entity,
      mayModify: (asAdmin) => hasLevel(entity.acl, ctx.who, 'modify_object', asAdmin),
      save: () =>
        'replicas' in entity ? catalog.saveDataObject(entity) : catalog.saveCollection(entity),
    }
  );
}

export function modifyMetadata(ctx: OpContext, kind: MetadataEntity): void {
  const named = kind === METADATA_ENTITIES.resource || kind === METADATA_ENTITIES.user;
  const name = required(ctx, named ? 'name' : 'lpath');
  if (name === undefined) return;
  const text = required(ctx, 'operations');
  if (text === undefined) return;
  const operations = parseOperations(ctx, text);
  if (!operations) return;
  const asAdmin = adminMode(ctx, 400);
  if (asAdmin === undefined) return;
  const target = targetOf(ctx, name, kind);
  if (!target) {
    return replyBatch(
      ctx,
      failure('SYS_INVALID_INPUT_PARAM', `Entity does not exist [entity_name=${name}]`, null, 0),
    );
  }
  if (!target.mayModify(asAdmin)) {
    return replyBatch(
      ctx,
      failure('CAT_NO_ACCESS_PERMISSION', 'User not allowed to modify metadata', null, 0),
    );
  }
  const avus: Avu[] = [...target.entity.avus];
  for (const [index, entry] of operations.entries()) {
    const refused = applyOperation(ctx, avus, entry, index);
    if (refused) return replyBatch(ctx, refused);
  }
  target.entity.avus = avus;
  target.save();
  replyBatch(ctx, undefined);
}

/** Applies one entry to `avus`, or says why the batch fails there. */
function applyOperation(
  ctx: OpContext,
  avus: Avu[],
  entry: unknown,
  index: number,
): BatchFailure | undefined {
  const op = entry as Record<string, unknown>;
  const json = entry as JsonValue;
  if (typeof op !== 'object' || op === null || typeof op.operation !== 'string') {
    return failure('JSON_VALIDATION_ERROR', 'Invalid operation', json, index);
  }
  if (op.operation !== 'add' && op.operation !== 'remove') {
    return failure('INVALID_OPERATION', `Invalid operation [${op.operation}]`, json, index);
  }
  const units = op.units ?? '';
  if (
    typeof op.attribute !== 'string' ||
    typeof op.value !== 'string' ||
    typeof units !== 'string'
  ) {
    return failure('JSON_VALIDATION_ERROR', 'Invalid AVU', json, index);
  }
  if (op.attribute === '' || op.value === '') {
    return failure('SYS_INVALID_INPUT_PARAM', 'Attribute and value must not be empty', json, index);
  }
  const at = avus.findIndex(
    (avu) => avu.attribute === op.attribute && avu.value === op.value && avu.units === units,
  );
  if (op.operation === 'add' && at < 0) {
    avus.push({ id: ctx.state.catalog.newId(), attribute: op.attribute, value: op.value, units });
  } else if (op.operation === 'remove' && at >= 0) avus.splice(at, 1);
  return undefined;
}
