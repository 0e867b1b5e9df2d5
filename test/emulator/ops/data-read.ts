/** `read`, `stat`, `calculate_checksum` and `verify_checksum` of `/data-objects` (§5.2.4-5.2.11). */
import { createReadStream, existsSync, statSync } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { hasLevel, isVisible } from '../acl.js';
import { fileChecksum } from '../checksum.js';
import { IRODS, libraryMessage } from '../codes.js';
import { REPLICA_STATUS, type DataObject, type Replica } from '../model.js';
import type { OpContext } from '../state.js';
import { latestGoodReplica } from '../write-session.js';
import { adminMode, permissionsJson, required } from './common.js';
import { ticketRefused } from './tickets.js';

export function visibleDataObject(ctx: OpContext, lpath: string): DataObject | undefined {
  const object = ctx.state.catalog.findDataObject(lpath);
  return object && isVisible(object.acl, ctx.who) ? object : undefined;
}

/** Replica chosen by `resource` / `replica-number`, or the latest good one. */
type Selection =
  { kind: 'replica'; replica: Replica | undefined } | { kind: 'bad-number' } | { kind: 'conflict' };

export function selectReplica(
  ctx: OpContext,
  object: DataObject,
  resourceKey = 'resource',
): Selection {
  const number = ctx.params.int('replica-number');
  const resource = ctx.params.str(resourceKey);
  if (number.kind === 'invalid') return { kind: 'bad-number' };
  if (number.kind === 'value' && resource !== undefined) return { kind: 'conflict' };
  if (number.kind === 'value') {
    return { kind: 'replica', replica: object.replicas.find((r) => r.number === number.value) };
  }
  if (resource !== undefined) {
    return { kind: 'replica', replica: object.replicas.find((r) => r.resource === resource) };
  }
  return { kind: 'replica', replica: latestGoodReplica(object) };
}

export async function read(ctx: OpContext): Promise<void> {
  const lpath = required(ctx, 'lpath');
  if (lpath === undefined) return;
  const offset = ctx.params.long('offset');
  const count = ctx.params.long('count');
  if (offset.kind === 'invalid' || (offset.kind === 'value' && offset.value < 0))
    return ctx.reply.fail(400);
  if (count.kind === 'invalid' || (count.kind === 'value' && count.value < 0))
    return ctx.reply.fail(400);
  if (ticketRefused(ctx)) return;
  const object = visibleDataObject(ctx, lpath);
  if (!object) return ctx.reply.fail(404);
  const selection = selectReplica(ctx, object);
  if (selection.kind !== 'replica') return ctx.reply.fail(400);
  const replica = selection.replica;
  if (
    !replica ||
    !hasLevel(object.acl, ctx.who, 'read_object', ctx.who.admin) ||
    !existsSync(replica.physicalPath)
  ) {
    return ctx.reply.fail(500);
  }
  const start = offset.kind === 'value' ? offset.value : 0;
  if (start > replica.size) return ctx.reply.fail(500);
  const available = replica.size - start;
  const length = count.kind === 'value' ? Math.min(count.value, available) : available;
  const { res } = ctx.reply;
  if (length === 0) return ctx.reply.send(200, 'application/json', Buffer.alloc(0));
  const source = createReadStream(replica.physicalPath, { start, end: start + length - 1 });
  if (length <= ctx.state.config.irods_client.max_number_of_bytes_per_read_operation) {
    // Quirk (§5.2.4): one plain response labelled application/json although it is raw data.
    const chunks: Buffer[] = [];
    for await (const chunk of source as AsyncIterable<Buffer>) chunks.push(chunk);
    return ctx.reply.send(200, 'application/json', Buffer.concat(chunks));
  }
  res.writeHead(200, {
    'Content-Type': 'application/octet-stream',
    'Transfer-Encoding': 'chunked',
  });
  await pipeline(source, res);
}

export function stat(ctx: OpContext): void {
  const lpath = required(ctx, 'lpath');
  if (lpath === undefined || ticketRefused(ctx)) return;
  const object = visibleDataObject(ctx, lpath);
  if (!object) return ctx.reply.irods(200, IRODS.NOT_A_DATA_OBJECT);
  const latest = latestGoodReplica(object);
  if (!latest) {
    return ctx.reply.irods(
      200,
      IRODS.SYS_NO_GOOD_REPLICA,
      libraryMessage('no good replica found', 'SYS_NO_GOOD_REPLICA'),
    );
  }
  ctx.reply.json(200, {
    checksum: latest.checksum,
    irods_response: { status_code: 0 },
    modified_at: Math.max(
      ...object.replicas.filter((r) => r.status === REPLICA_STATUS.good).map((r) => r.modifyTime),
    ),
    permissions: permissionsJson(ctx.state.catalog, object.acl),
    size: latest.size,
    type: 'data_object',
  });
}

export async function calculateChecksum(ctx: OpContext): Promise<void> {
  const lpath = required(ctx, 'lpath');
  if (lpath === undefined) return;
  const asAdmin = adminMode(ctx);
  if (asAdmin === undefined) return;
  const object = visibleDataObject(ctx, lpath);
  if (!object) return ctx.reply.irods(200, IRODS.CAT_NO_ROWS_FOUND);
  const all = ctx.params.flag('all');
  const selection = selectReplica(ctx, object);
  if (selection.kind === 'bad-number') return ctx.reply.fail(400);
  if (
    selection.kind === 'conflict' ||
    (all && (ctx.params.has('replica-number') || ctx.params.has('resource')))
  ) {
    return ctx.reply.irods(200, IRODS.USER_INCOMPATIBLE_PARAMS);
  }
  if (!hasLevel(object.acl, ctx.who, 'read_object', asAdmin || ctx.who.admin)) {
    return ctx.reply.irods(200, IRODS.CAT_NO_ACCESS_PERMISSION);
  }
  const targets = all ? object.replicas : selection.replica ? [selection.replica] : [];
  if (targets.length === 0) return ctx.reply.irods(200, IRODS.SYS_REPLICA_DOES_NOT_EXIST);
  const force = ctx.params.flag('force');
  try {
    for (const replica of targets) {
      if (replica.checksum === '' || force)
        replica.checksum = await fileChecksum(replica.physicalPath);
    }
  } catch {
    return ctx.reply.irods(200, IRODS.USER_CHKSUM_MISMATCH);
  }
  ctx.state.catalog.saveDataObject(object);
  const reported = selection.replica ?? targets[0]!;
  ctx.reply.json(200, { checksum: reported.checksum, irods_response: { status_code: 0 } });
}

export async function verifyChecksum(ctx: OpContext): Promise<void> {
  const lpath = required(ctx, 'lpath');
  if (lpath === undefined) return;
  const asAdmin = adminMode(ctx);
  if (asAdmin === undefined) return;
  const object = visibleDataObject(ctx, lpath);
  if (!object) return ctx.reply.irods(200, IRODS.CAT_NO_ROWS_FOUND);
  const selection = selectReplica(ctx, object);
  if (selection.kind === 'bad-number') return ctx.reply.fail(400);
  if (selection.kind === 'conflict') return ctx.reply.irods(200, IRODS.USER_INCOMPATIBLE_PARAMS);
  const explicit = ctx.params.has('replica-number') || ctx.params.has('resource');
  const targets = explicit ? (selection.replica ? [selection.replica] : []) : object.replicas;
  if (targets.length === 0) return ctx.reply.irods(200, IRODS.SYS_REPLICA_DOES_NOT_EXIST);
  const compute = ctx.params.str('compute-checksums') !== '0';
  const results: { error_code: number; message: string; severity: string }[] = [];
  for (const replica of targets) {
    if (replica.checksum === '') {
      results.push({
        error_code: IRODS.CAT_NO_CHECKSUM_FOR_REPLICA,
        message: `WARNING: No checksum available for replica [${replica.number}].`,
        severity: 'warning',
      });
      continue;
    }
    if (!compute) continue;
    const actualSize = existsSync(replica.physicalPath) ? statSync(replica.physicalPath).size : -1;
    const actual = actualSize < 0 ? '' : await fileChecksum(replica.physicalPath);
    if (actual !== replica.checksum) {
      results.push({
        error_code: IRODS.USER_CHKSUM_MISMATCH,
        message: `ERROR: Computed checksum [${actual}] does not match what is in the catalog [${replica.checksum}] for replica [${replica.number}].`,
        severity: 'error',
      });
    }
  }
  if (results.length === 0) return ctx.reply.irods(200, 0);
  ctx.reply.json(200, {
    irods_response: { status_code: IRODS.CHECK_VERIFICATION_RESULTS },
    results,
  });
}
