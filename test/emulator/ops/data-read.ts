/**
 * `read` and `stat` of `/data-objects` (§5.2.4, §5.2.5), in the order the HTTP API's op_read
 * checks things: the object (404), `offset` (400), the object's size (that of its latest good
 * replica: none → 500), `count` (400, clamped to what is left), then the open of the chosen
 * replica (unknown or child resource, unknown replica number, missing file → 400), then the read
 * of `count` bytes from that replica (fewer there → 500).
 */
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { isVisible } from '../acl.js';
import { IRODS, libraryMessage } from '../codes.js';
import { REPLICA_STATUS, latestGoodReplica, type DataObject } from '../model.js';
import type { OpContext } from '../state.js';
import { permissionsJson, required } from './common.js';
import { OPEN_RULES, targetReplica } from './replica-target.js';
import { ticketRefused } from './tickets.js';

export function visibleDataObject(ctx: OpContext, lpath: string): DataObject | undefined {
  const object = ctx.state.catalog.findDataObject(lpath);
  return object && isVisible(object.acl, ctx.who) ? object : undefined;
}

export async function read(ctx: OpContext): Promise<void> {
  const lpath = required(ctx, 'lpath');
  if (lpath === undefined || ticketRefused(ctx)) return;
  const object = visibleDataObject(ctx, lpath);
  if (!object) return ctx.reply.fail(404);
  const offset = ctx.params.long('offset');
  if (offset.kind === 'invalid' || (offset.kind === 'value' && offset.value < 0))
    return ctx.reply.fail(400);
  const latest = latestGoodReplica(object);
  if (!latest) return ctx.reply.fail(500);
  const start = offset.kind === 'value' ? offset.value : 0;
  const count = ctx.params.long('count');
  if (count.kind === 'invalid' || (count.kind === 'value' && count.value < 0))
    return ctx.reply.fail(400);
  const available = latest.size - start;
  const length = count.kind === 'value' ? Math.min(count.value, available) : available;
  const target = targetReplica(ctx, object, OPEN_RULES);
  if (target.kind !== 'replica' && target.kind !== 'unnamed') return ctx.reply.fail(400);
  const replica = target.kind === 'replica' ? target.replica : latest;
  const { vaults } = ctx.state.catalog;
  // The open of a replica whose bytes cannot be found (or reached) fails: 400.
  const stored = await vaults.storedSize(replica).catch(() => undefined);
  if (stored === undefined) return ctx.reply.fail(400);
  // A negative length (offset past the end) and a replica shorter than the range both fail.
  if (length < 0 || start + length > stored) return ctx.reply.fail(500);
  if (length === 0) return ctx.reply.send(200, 'application/json', Buffer.alloc(0));
  const range = { start, end: start + length - 1 };
  const source = await vaults.storageFor(replica).read(replica.physicalPath, range);
  if (length <= ctx.state.config.irods_client.max_number_of_bytes_per_read_operation) {
    // Quirk (§5.2.4): one plain response labelled application/json although it is raw data.
    const chunks: Uint8Array[] = [];
    for await (const chunk of source) chunks.push(chunk);
    return ctx.reply.send(200, 'application/json', Buffer.concat(chunks));
  }
  const { res } = ctx.reply;
  if (ctx.reply.losesAnswer) {
    res.socket?.destroy();
    return;
  }
  res.writeHead(200, {
    'Content-Type': 'application/octet-stream',
    'Transfer-Encoding': 'chunked',
  });
  await pipeline(Readable.from(source), res);
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
