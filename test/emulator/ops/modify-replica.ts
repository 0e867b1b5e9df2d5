/**
 * `modify_replica` (§5.2.18, upstream API.md "modify_replica"): catalog surgery on one replica,
 * rodsadmin only. The HTTP API checks its own parameters (400 without a body), then hands every
 * `new-*` property to the server's ModDataObjMeta with the admin keyword set, and answers the
 * server's status with HTTP 200.
 *
 * The emulator keeps the properties its model has (size, checksum, status, times including the
 * access time, path, resource, replica number). The others (comments, mode, type, version, status string) are accepted as the
 * server accepts them, but nothing in the model shows them, so they have no visible effect.
 */
import { IRODS } from '../codes.js';
import { CONTENT_EVENTS } from '../content-log.js';
import { REPLICA_STATUS, type DataObject, type Replica, type ReplicaStatus } from '../model.js';
import type { OpContext } from '../state.js';

const PROPERTIES = [
  'new-data-checksum',
  'new-data-comments',
  'new-data-create-time',
  'new-data-expiry-time',
  'new-data-mode',
  'new-data-modify-time',
  'new-data-path',
  'new-data-replica-number',
  'new-data-replica-status',
  'new-data-resource-id',
  'new-data-size',
  'new-data-status',
  'new-data-type-name',
  'new-data-version',
  'new-data-access-time',
] as const;

type Property = (typeof PROPERTIES)[number];
type Changes = Partial<Record<Property, string>>;

const TIME_PROPERTIES: readonly Property[] = [
  'new-data-create-time',
  'new-data-expiry-time',
  'new-data-modify-time',
  'new-data-access-time',
];

/** The catalog stores times as 11 zero-padded digits of seconds; API.md requires that form. */
const CATALOG_TIME = /^\d{11}$/;

export function modifyReplica(ctx: OpContext): void {
  const lpath = ctx.params.str('lpath');
  if (lpath === undefined) return ctx.reply.fail(400);
  const hierarchy = ctx.params.str('resource-hierarchy');
  const numberText = ctx.params.str('replica-number');
  if (hierarchy === undefined && numberText === undefined) return ctx.reply.fail(400);
  // The hierarchy wins when both are given; the number goes through std::stoi, whose exception
  // escapes to the generic handler: HTTP 500.
  let number: number | undefined;
  if (hierarchy === undefined) {
    const parsed = ctx.params.int('replica-number');
    if (parsed.kind !== 'value') return ctx.reply.fail(500);
    number = parsed.value;
  }
  const changes: Changes = {};
  for (const property of PROPERTIES) {
    const value = ctx.params.str(property);
    if (value === undefined) continue;
    if (property === 'new-data-access-time' && !supportsAccessTime(ctx)) {
      return ctx.reply.fail(400);
    }
    changes[property] = value;
  }
  if (Object.keys(changes).length === 0) return ctx.reply.fail(400);
  if (!ctx.who.admin) return ctx.reply.irods(200, IRODS.CAT_INSUFFICIENT_PRIVILEGE_LEVEL);
  const { catalog } = ctx.state;
  const place = catalog.splitPath(lpath);
  if (!place?.parent) return ctx.reply.irods(200, IRODS.CAT_UNKNOWN_COLLECTION);
  const object = place.parent.objects.get(place.name);
  if (!object) return ctx.reply.irods(200, IRODS.CAT_UNKNOWN_FILE);
  const index = object.replicas.findIndex((replica) =>
    hierarchy === undefined
      ? replica.number === number
      : catalog.resources.replicaHierarchy(replica) === hierarchy,
  );
  if (index < 0) return ctx.reply.irods(200, IRODS.SYS_REPLICA_DOES_NOT_EXIST);
  const outcome = applyChanges(ctx, object, object.replicas[index]!, changes);
  if (typeof outcome === 'number') return ctx.reply.irods(200, outcome);
  const replica = object.replicas[index]!;
  const held = replica.status === REPLICA_STATUS.intermediate;
  // In place: a write that holds the replica open goes on with the same catalog row.
  Object.assign(replica, outcome);
  if (held && replica.status !== REPLICA_STATUS.intermediate) releaseLock(object);
  catalog.saveDataObject(object);
  if (changes['new-data-size'] !== undefined) {
    ctx.state.contentLog.record(lpath, CONTENT_EVENTS.modify, replica.size);
  }
  ctx.reply.irods(200, 0);
}

/**
 * A replica set out of the intermediate status no longer holds the object open: iRODS's logical
 * locking is the replicas' status in the catalog, and this is the administrator's remedy for a
 * replica stuck open (a writer that never closed, a parallel-write handle nobody knows). The
 * object can be opened again once no replica is intermediate. The handle itself stays, as in the
 * HTTP API, with its streams reserved, until it is shut down or the emulator restarts.
 */
function releaseLock(object: DataObject): void {
  if (object.replicas.some((replica) => replica.status === REPLICA_STATUS.intermediate)) return;
  object.lock = undefined;
}

/** The changed replica, or the iRODS code that refuses the change (nothing is applied then). */
function applyChanges(
  ctx: OpContext,
  object: DataObject,
  replica: Replica,
  changes: Changes,
): Replica | number {
  for (const property of TIME_PROPERTIES) {
    const value = changes[property];
    if (value !== undefined && !CATALOG_TIME.test(value)) return IRODS.SYS_INVALID_INPUT_PARAM;
  }
  const next: { -readonly [K in keyof Replica]: Replica[K] } = { ...replica };
  if (changes['new-data-checksum'] !== undefined) next.checksum = changes['new-data-checksum'];
  if (changes['new-data-path'] !== undefined) {
    if (!changes['new-data-path'].startsWith('/')) return IRODS.SYS_INVALID_INPUT_PARAM;
    next.physicalPath = changes['new-data-path'];
  }
  if (changes['new-data-modify-time'] !== undefined) {
    next.modifyTime = Number(changes['new-data-modify-time']);
  }
  if (changes['new-data-create-time'] !== undefined) {
    next.createTime = Number(changes['new-data-create-time']);
  }
  if (changes['new-data-access-time'] !== undefined) {
    next.accessTime = Number(changes['new-data-access-time']);
  }
  if (changes['new-data-size'] !== undefined) {
    const size = ctx.params.long('new-data-size');
    if (size.kind !== 'value' || size.value < 0) return IRODS.SYS_INVALID_INPUT_PARAM;
    next.size = size.value;
  }
  if (changes['new-data-replica-status'] !== undefined) {
    const status = replicaStatus(changes['new-data-replica-status']);
    if (status === undefined) return IRODS.SYS_INVALID_INPUT_PARAM;
    next.status = status;
  }
  if (changes['new-data-resource-id'] !== undefined) {
    const id = Number(changes['new-data-resource-id']);
    const resource = ctx.state.catalog.resources.byId(id);
    if (!resource) return IRODS.SYS_RESC_DOES_NOT_EXIST;
    next.resourceId = resource.id;
  }
  if (changes['new-data-replica-number'] !== undefined) {
    const wanted = ctx.params.int('new-data-replica-number');
    if (wanted.kind !== 'value' || wanted.value < 0) return IRODS.SYS_INVALID_INPUT_PARAM;
    const taken = object.replicas.some((r) => r !== replica && r.number === wanted.value);
    if (taken) return IRODS.CATALOG_ALREADY_HAS_ITEM_BY_THAT_NAME;
    next.number = wanted.value;
  }
  return next;
}

function replicaStatus(text: string): ReplicaStatus | undefined {
  const values: readonly number[] = Object.values(REPLICA_STATUS);
  const value = /^\d$/.test(text) ? Number(text) : undefined;
  return value !== undefined && values.includes(value) ? (value as ReplicaStatus) : undefined;
}

/** Access times exist from iRODS 5 on (reported as 4.90+); older servers get a 400. */
function supportsAccessTime(ctx: OpContext): boolean {
  const match = /(\d+)\.(\d+)/.exec(ctx.state.config.emulator.irods_server_version);
  if (!match) return false;
  const [major, minor] = [Number(match[1]), Number(match[2])];
  return major > 4 || (major === 4 && minor >= 90);
}
