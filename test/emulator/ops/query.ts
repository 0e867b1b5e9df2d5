/** `/query` (spec §5.3): GenQuery1 through the engine in genquery.ts; the rest minimal (§5.6). */
import { IRODS } from '../codes.js';
import { executeGenQuery } from '../genquery.js';
import { catalogRows } from '../rows.js';
import type { OpContext, RouteOps } from '../state.js';
import { required } from './common.js';

/** `"1"` (default) → true, `"0"` → false, anything else → undefined (400). */
function onOff(ctx: OpContext, key: string): boolean | undefined {
  const value = ctx.params.str(key);
  if (value === undefined || value === '1') return true;
  return value === '0' ? false : undefined;
}

function executeGenquery(ctx: OpContext): void {
  const query = required(ctx, 'query');
  if (query === undefined) return;
  const parser = ctx.params.str('parser') ?? 'genquery1';
  if (parser === 'genquery2') {
    // GenQuery2 is not emulated; §5.3.1 allows a 400 with a negative code.
    return ctx.reply.irods(
      400,
      IRODS.SYS_INVALID_INPUT_PARAM,
      'GenQuery2 is not supported by the emulator',
    );
  }
  if (parser !== 'genquery1') return ctx.reply.fail(400);
  const max = ctx.state.config.irods_client.max_number_of_rows_per_catalog_query;
  const offset = ctx.params.int('offset');
  const count = ctx.params.int('count');
  if (offset.kind === 'invalid' || count.kind === 'invalid') return ctx.reply.fail(400);
  const caseSensitive = onOff(ctx, 'case-sensitive');
  const distinct = onOff(ctx, 'distinct');
  if (caseSensitive === undefined || distinct === undefined) return ctx.reply.fail(400);
  const outcome = executeGenQuery(
    query,
    {
      offset: offset.kind === 'value' ? Math.max(0, offset.value) : 0,
      count: count.kind === 'value' ? Math.min(max, Math.max(1, count.value)) : max,
      caseSensitive,
      distinct,
    },
    catalogRows(ctx.state.catalog, ctx.who),
  );
  if ('code' in outcome) return ctx.reply.irods(200, outcome.code, outcome.message);
  ctx.reply.json(200, { irods_response: { status_code: 0 }, rows: outcome.rows });
}

function executeSpecificQuery(ctx: OpContext): void {
  if (required(ctx, 'name') === undefined) return;
  ctx.reply.irods(200, IRODS.SYS_INVALID_INPUT_PARAM, 'specific queries are not emulated');
}

function specificQueryAdmin(ctx: OpContext): void {
  if (!ctx.who.admin) return ctx.reply.irods(200, IRODS.SYS_NO_API_PRIV, 'SYS_NO_API_PRIV');
  ctx.reply.irods(200, IRODS.SYS_INVALID_INPUT_PARAM, 'specific queries are not emulated');
}

export const queryOps: RouteOps = {
  GET: {
    execute_genquery: executeGenquery,
    execute_specific_query: executeSpecificQuery,
    list_genquery_columns: (ctx) => ctx.reply.fail(501),
    list_specific_queries: (ctx) => ctx.reply.fail(501),
  },
  POST: {
    add_specific_query: specificQueryAdmin,
    remove_specific_query: specificQueryAdmin,
  },
};
