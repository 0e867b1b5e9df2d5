/**
 * `write` in both forms (§5.2.2) and `parallel_write_init` / `parallel_write_shutdown`
 * (§5.2.3). The order of checks matters and is the server's: `offset` and `bytes` are checked
 * only after the object has been opened (so it has been created or truncated), and a failed open
 * is an HTTP 200 with the bad-stream message.
 */
import type { IncomingMessage } from 'node:http';
import { IRODS } from '../codes.js';
import { CONTENT_EVENTS } from '../content-log.js';
import { stoi } from '../params.js';
import { BodyLimitExceeded } from '../http.js';
import type { OpContext } from '../state.js';
import {
  closeWrite,
  openForWrite,
  writeAt,
  type OpenFlags,
  type WriteSession,
} from '../write-session.js';
import { BAD_STREAM_MESSAGE, openFailureCode, required } from './common.js';
import { ticketRefused } from './tickets.js';

/** Where the payload comes from: a form value, or the streamed request body. */
type Payload =
  | { kind: 'bytes'; bytes: Buffer | undefined }
  | { kind: 'stream'; req: IncomingMessage; limit: number };

/** Open flags from the params, or undefined after answering 400 for a bad replica number. */
function openFlags(ctx: OpContext): OpenFlags | undefined {
  const replica = ctx.params.int('replica-number');
  if (replica.kind === 'invalid') {
    ctx.reply.fail(400);
    return undefined;
  }
  const resource = ctx.params.str('resource');
  return {
    truncate: ctx.params.str('truncate') !== '0',
    append: ctx.params.flag('append'),
    resource,
    // With both given, `resource` wins (§5.2.2).
    replicaNumber: resource === undefined && replica.kind === 'value' ? replica.value : undefined,
  };
}

function badStream(ctx: OpContext, code: number): void {
  ctx.reply.irods(200, code, BAD_STREAM_MESSAGE);
}

async function writeOp(ctx: OpContext, payload: Payload): Promise<void> {
  const handle = ctx.params.str('parallel-write-handle');
  if (handle !== undefined) return writeToHandle(ctx, handle, payload);
  const lpath = required(ctx, 'lpath');
  if (lpath === undefined) return;
  const flags = openFlags(ctx);
  if (!flags || ticketRefused(ctx)) return;
  const opened = await openForWrite(ctx.state.catalog, ctx.who, lpath, flags);
  if (!opened.ok) return badStream(ctx, openFailureCode(ctx, opened.code));
  const { session } = opened;
  try {
    const offset = ctx.params.long('offset');
    if (offset.kind === 'invalid') return ctx.reply.fail(400);
    if (payload.kind === 'bytes' && payload.bytes === undefined) return ctx.reply.fail(400);
    const position = offset.kind === 'value' ? offset.value : 0;
    if (position < 0) return badStream(ctx, openFailureCode(ctx, IRODS.SYS_INVALID_INPUT_PARAM));
    await deliver(ctx, session, payload, position);
  } finally {
    await closeWrite(ctx.state.catalog, session);
    ctx.state.contentLog.record(lpath, CONTENT_EVENTS.write, session.replica.size);
  }
  ctx.reply.irods(200, 0);
}

async function writeToHandle(ctx: OpContext, handle: string, payload: Payload): Promise<void> {
  const claim = ctx.state.writes.claim(handle, ctx.params.str('stream-index'), stoi);
  if (claim.kind === 'unknown-handle' || claim.kind === 'bad-index') return ctx.reply.fail(400);
  if (claim.kind === 'busy') return ctx.reply.fail(429);
  try {
    const offset = ctx.params.long('offset');
    if (offset.kind === 'invalid') return ctx.reply.fail(400);
    if (payload.kind === 'bytes' && payload.bytes === undefined) return ctx.reply.fail(400);
    const position = offset.kind === 'value' ? offset.value : claim.stream.position;
    if (position < 0) return badStream(ctx, openFailureCode(ctx, IRODS.SYS_INVALID_INPUT_PARAM));
    claim.stream.position = await deliver(ctx, claim.session, payload, position);
  } finally {
    claim.release();
  }
  ctx.reply.irods(200, 0);
}

/**
 * Writes the payload from `position`; a streamed body goes to the file as it arrives. The bytes
 * written are counted for the tests (`data_bytes_written` in the stats).
 */
async function deliver(
  ctx: OpContext,
  session: WriteSession,
  payload: Payload,
  position: number,
): Promise<number> {
  const { counters } = ctx.state;
  if (payload.kind === 'bytes') {
    counters.dataBytes += payload.bytes!.length;
    return writeAt(session, payload.bytes!, position);
  }
  let at = position;
  let received = 0;
  for await (const chunk of payload.req as AsyncIterable<Buffer>) {
    received += chunk.length;
    if (received > payload.limit) throw new BodyLimitExceeded(payload.limit);
    at = writeAt(session, chunk, at);
    counters.dataBytes += chunk.length;
  }
  return at;
}

/** Form 1: the bytes are a form value. */
export function write(ctx: OpContext): Promise<void> {
  return writeOp(ctx, { kind: 'bytes', bytes: ctx.params.bytes('bytes') });
}

/** Form 2: parameters in `irods-api-request-*` headers, the raw body is the data. */
export function headerWrite(ctx: OpContext, req: IncomingMessage): Promise<void> {
  const limit = ctx.state.config.http_server.requests.max_size_of_request_body_in_bytes;
  return writeOp(ctx, { kind: 'stream', req, limit });
}

export async function parallelWriteInit(ctx: OpContext): Promise<void> {
  const lpath = required(ctx, 'lpath');
  if (lpath === undefined) return;
  const countText = required(ctx, 'stream-count');
  if (countText === undefined) return;
  const count = stoi(countText);
  if (count === undefined) return ctx.reply.fail(500);
  const { config } = ctx.state;
  if (count < 1 || count > config.irods_client.max_number_of_streams_per_parallel_write_handle) {
    return ctx.reply.fail(400);
  }
  if (
    ctx.state.writes.activeStreams + count >
    config.irods_client.max_number_of_parallel_write_streams
  ) {
    return ctx.reply.fail(503);
  }
  const flags = openFlags(ctx);
  if (!flags) return;
  if (ctx.params.str('ticket') !== undefined) {
    return ctx.reply.irods(200, openFailureCode(ctx, IRODS.CAT_TICKET_INVALID), BAD_STREAM_MESSAGE);
  }
  const opened = await openForWrite(ctx.state.catalog, ctx.who, lpath, flags);
  if (!opened.ok)
    return ctx.reply.irods(200, openFailureCode(ctx, opened.code), BAD_STREAM_MESSAGE);
  const handle = ctx.state.writes.register(opened.session, count);
  ctx.reply.json(200, { irods_response: { status_code: 0 }, parallel_write_handle: handle });
}

export async function parallelWriteShutdown(ctx: OpContext): Promise<void> {
  const handle = required(ctx, 'parallel-write-handle');
  if (handle === undefined) return;
  const session = ctx.state.writes.shutdown(handle);
  // An unknown handle still answers success (§5.2.3).
  if (session) {
    await closeWrite(ctx.state.catalog, session);
    const path = ctx.state.catalog.dataObjectPath(session.object);
    ctx.state.contentLog.record(path, CONTENT_EVENTS.write, session.replica.size);
  }
  ctx.reply.irods(200, 0);
}
