/**
 * GenQuery1 through `GET /query?op=execute_genquery` (irods-http-api.md §5.3.1), paged: each page
 * asks for at most /info's row limit, and paging stops at the first page with fewer rows than
 * asked for. Results are stable across pages only when the query selects `COLL_NAME`,
 * `DATA_NAME` or `DATA_REPL_NUM` or has an explicit `order(...)`; that is the caller's part.
 */
import { buildGenQuery, type GenQueryCondition } from '../core/genquery.js';
import { FAILURE_LAYER } from '../core/retry.js';
import { IrodsError } from './errors.js';
import type { Session } from './session.js';
import { ENDPOINT, REPEAT } from './transport.js';

export interface QueryOptions {
  /** False sends `case-sensitive=0` (the server upper-cases the whole query). @defaultValue true */
  caseSensitive?: boolean;
  /** False sends `distinct=0` (duplicate rows kept). @defaultValue true */
  distinct?: boolean;
  /** Rows per request, capped by the server's row limit. @defaultValue the row limit */
  pageSize?: number;
}

export interface QuerySpec<C extends string> extends QueryOptions {
  select: readonly C[];
  /**
   * Conditions joined with `and`. `=` and `like` conditions may hold any value, `+` included
   * (see src/core/genquery.ts for how); other comparisons only values without `+`, `'` or `\`.
   */
  where?: readonly GenQueryCondition[];
}

/** One result row, keyed by column name; every value is a string, as the server sends it. */
export type QueryRow<C extends string> = Record<C, string>;

export class GenQuery {
  readonly #session: Session;

  constructor(session: Session) {
    this.#session = session;
  }

  /** All rows of a structured query. */
  async rows<C extends string>(spec: QuerySpec<C>): Promise<QueryRow<C>[]> {
    const out: QueryRow<C>[] = [];
    for await (const row of this.iterate(spec)) out.push(row);
    return out;
  }

  /** Rows of a structured query, fetched page by page as the iteration goes. */
  async *iterate<C extends string>(spec: QuerySpec<C>): AsyncGenerator<QueryRow<C>> {
    const built = buildGenQuery(spec);
    if ('problem' in built) {
      throw new IrodsError({
        op: 'execute_genquery',
        action: 'GenQuery',
        layer: FAILURE_LAYER.client,
        code: 'IRODS_UNSUPPORTED',
        reason: built.problem,
        retryable: false,
      });
    }
    for await (const row of this.iterateText(built.text, spec)) {
      if (!built.keep(row)) continue;
      const record = {} as QueryRow<C>;
      built.columns.forEach((column, index) => {
        (record as Record<string, string>)[column] = row[index] ?? '';
      });
      yield record;
    }
  }

  /** All rows of a query given as GenQuery1 text (which must not contain `+`). */
  async rowsText(query: string, options: QueryOptions = {}): Promise<string[][]> {
    const out: string[][] = [];
    for await (const row of this.iterateText(query, options)) out.push(row);
    return out;
  }

  /** Rows of a GenQuery1 text query, page by page. */
  async *iterateText(query: string, options: QueryOptions = {}): AsyncGenerator<string[]> {
    const limit = this.#session.serverInfo().maxRowsPerQuery;
    const count = Math.max(1, Math.min(options.pageSize ?? limit, limit));
    for (let offset = 0; ;) {
      const page = await this.#page(query, offset, count, options);
      yield* page;
      if (page.length < count) return;
      offset += page.length;
    }
  }

  async #page(
    query: string,
    offset: number,
    count: number,
    options: QueryOptions,
  ): Promise<string[][]> {
    const call = {
      endpoint: ENDPOINT.query,
      method: 'GET',
      op: 'execute_genquery',
      action: `GenQuery "${query}"`,
      params: {
        query,
        offset: String(offset),
        count: String(count),
        'case-sensitive': options.caseSensitive === false ? '0' : undefined,
        distinct: options.distinct === false ? '0' : undefined,
      },
      repeat: REPEAT.always,
    } as const;
    const body = await this.#session.transport.json(call);
    const rows = body.rows;
    if (
      !Array.isArray(rows) ||
      !rows.every((row) => Array.isArray(row) && row.every((v) => typeof v === 'string'))
    ) {
      throw new IrodsError({
        op: call.op,
        action: call.action,
        layer: FAILURE_LAYER.client,
        reason: 'the answer has no rows of strings',
      });
    }
    return rows;
  }
}
