/**
 * GenQuery1 engine of the emulator (spec §5.3.1, §5.3.2): parses a GenQuery1 string and runs it
 * over the flat joined records of a RowSource, as the catalog's SQL would. Pure: no I/O.
 *
 * What it reproduces from the server's SQL generation: `select distinct` unless distinct is off;
 * GROUP BY on the non-aggregated columns as soon as one aggregate is selected, with `count`
 * counting joined rows (the server emits `select distinct count(col)`, not `count(distinct col)`);
 * ORDER BY the order/order_asc/order_desc columns, then COLL_NAME, DATA_NAME, DATA_REPL_NUM when
 * selected without an aggregate; offset/count applied last.
 */

import {
  comparatorFor,
  GenQueryError,
  NUMERIC,
  parseGenQuery,
  type Aggregate,
  type CatalogRecord,
  type Comparator,
  type Condition,
  type Query,
  type SelectItem,
} from './genquery-parse.js';

export { GENQUERY_COLUMNS } from './genquery-parse.js';

export interface GenQueryOptions {
  offset: number;
  count: number;
  caseSensitive: boolean;
  distinct: boolean;
}
export type GenQueryOutcome = { rows: string[][] } | { code: number; message: string };
/**
 * What every record a query can match holds, read off its case-sensitive top-level conditions:
 * `equal[column]` is the column's exact value (`COL = 'v'`), `prefix[column]` a start of it
 * (`COL like 'v%'`). Both may be empty.
 */
export interface Constraints {
  readonly equal: Readonly<Record<string, string>>;
  readonly prefix: Readonly<Record<string, string>>;
}
/**
 * Yields one flat record per joined catalog row, with a string value for every column in
 * `columns`. It may leave out records that break `constraints`, or ignore them: the engine tests
 * every condition itself, so they only spare a source from building records that cannot match.
 */
export type RowSource = (
  columns: ReadonlySet<string>,
  constraints: Constraints,
) => Iterable<Readonly<Record<string, string>>>;

// ---------------------------------------------------------------------------------------------
// Execution

/** Running value of one aggregate over one group. */
class Accumulator {
  #rows = 0;
  #numbers = 0;
  #sum = 0;
  #best: string | undefined;
  readonly #compare: Comparator;

  constructor(
    readonly aggregate: Aggregate,
    column: string,
  ) {
    this.#compare = comparatorFor(column);
  }

  add(value: string): void {
    this.#rows++;
    if (NUMERIC.test(value)) {
      this.#numbers++;
      this.#sum += Number(value);
    }
    const sign = this.aggregate === 'min' ? -1 : 1;
    if (this.#best === undefined || sign * this.#compare(value, this.#best) > 0) this.#best = value;
  }

  /** As SQL: count of no rows is 0; the others are NULL, which iRODS returns as "". */
  result(): string {
    switch (this.aggregate) {
      case 'count':
        return String(this.#rows);
      case 'min':
      case 'max':
        return this.#best ?? '';
      case 'sum':
        return this.#numbers > 0 ? String(this.#sum) : '';
      case 'avg':
        return this.#numbers > 0 ? String(this.#sum / this.#numbers) : '';
    }
  }
}

/** GROUP BY the non-aggregated items; one pass, holding one record and the totals per group. */
function groupedRows(select: SelectItem[], records: Iterable<CatalogRecord>): string[][] {
  const grouping = select.filter((item) => !item.aggregate);
  const newGroup = (record: CatalogRecord) => ({
    record,
    totals: select.map(({ aggregate, column }) => aggregate && new Accumulator(aggregate, column)),
  });
  const groups = new Map<string, ReturnType<typeof newGroup>>();
  for (const record of records) {
    const key = JSON.stringify(grouping.map((item) => record[item.column] ?? ''));
    const group = groups.get(key) ?? newGroup(record);
    groups.set(key, group);
    select.forEach((item, i) => group.totals[i]?.add(record[item.column] ?? ''));
  }
  // Without GROUP BY columns, SQL aggregates over no rows still answer one row.
  if (groups.size === 0 && grouping.length === 0) groups.set('', newGroup({}));
  return Array.from(groups.values(), ({ record, totals }) =>
    select.map((item, i) => totals[i]?.result() ?? record[item.column] ?? ''),
  );
}

/** Projected rows, duplicates dropped when `distinct`; stops reading once it holds `limit`. */
function plainRows(
  select: SelectItem[],
  records: Iterable<CatalogRecord>,
  distinct: boolean,
  limit: number,
): string[][] {
  const rows: string[][] = [];
  const seen = new Set<string>();
  for (const record of records) {
    const row = select.map((item) => record[item.column] ?? '');
    if (distinct) {
      const key = JSON.stringify(row);
      if (seen.has(key)) continue;
      seen.add(key);
    }
    rows.push(row);
    if (rows.length >= limit) break;
  }
  return rows;
}

/** The ORDER BY of §5.3.1 as (select index, direction, comparator) keys, most significant first. */
function sortKeys(select: SelectItem[]): { index: number; sign: number; compare: Comparator }[] {
  const keys = select.flatMap((item, index) =>
    item.order ? [{ index, sign: item.order === 'desc' ? -1 : 1 }] : [],
  );
  for (const column of ['COLL_NAME', 'DATA_NAME', 'DATA_REPL_NUM']) {
    const index = select.findIndex((item) => item.column === column && !item.aggregate);
    if (index !== -1) keys.push({ index, sign: 1 });
  }
  return keys.map((key) => ({ ...key, compare: comparatorFor(select[key.index]?.column ?? '') }));
}

/** The Constraints of `where`; none when case-insensitive, as values then compare upper-cased. */
function constraintsOf(where: Condition[], caseSensitive: boolean): Constraints {
  const equal: Record<string, string> = {};
  const prefix: Record<string, string> = {};
  if (caseSensitive) {
    for (const condition of where) {
      if (condition.equals !== undefined) equal[condition.column] = condition.equals;
      if (condition.prefix) prefix[condition.column] = condition.prefix;
    }
  }
  return { equal, prefix };
}

function run({ select, where }: Query, options: GenQueryOptions, source: RowSource): string[][] {
  const columns = new Set([...select, ...where].map((item) => item.column));
  const constraints = constraintsOf(where, options.caseSensitive);
  const fold = options.caseSensitive
    ? (value: string) => value
    : (value: string) => value.toUpperCase();
  function* matching(): Generator<CatalogRecord> {
    for (const record of source(columns, constraints)) {
      if (where.every(({ column, test }) => test(fold(record[column] ?? '')))) yield record;
    }
  }
  const keys = sortKeys(select);
  const end = options.offset + options.count;
  const rows = select.some((item) => item.aggregate)
    ? groupedRows(select, matching())
    : // Without an ORDER BY the source need only be read up to the last requested row.
      plainRows(select, matching(), options.distinct, keys.length === 0 ? end : Infinity);
  if (keys.length > 0) {
    rows.sort((a, b) => {
      for (const { index, sign, compare } of keys) {
        const order = compare(a[index] ?? '', b[index] ?? '');
        if (order !== 0) return sign * order;
      }
      return 0;
    });
  }
  return rows.slice(options.offset, end);
}

/**
 * Runs a GenQuery1 string. `options` are already validated and clamped by the caller (§5.3.1).
 * With caseSensitive=false the whole query is upper-cased before parsing and conditions compare
 * upper-cased row values; results keep their stored case. Parse failures come back as
 * `{code, message}`: -1084000 for syntax, -1107000 for an unknown column.
 */
export function executeGenQuery(
  query: string,
  options: GenQueryOptions,
  source: RowSource,
): GenQueryOutcome {
  let parsed: Query;
  try {
    parsed = parseGenQuery(options.caseSensitive ? query : query.toUpperCase());
  } catch (error) {
    if (error instanceof GenQueryError) return { code: error.code, message: error.message };
    throw error;
  }
  return { rows: run(parsed, options, source) };
}
