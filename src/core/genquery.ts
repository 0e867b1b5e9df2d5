/**
 * Builds GenQuery1 strings (irods-http-api.md §5.3.2) that are safe to send through the query
 * string of `GET /query`.
 *
 * A literal may not contain `+` (the server turns it into a space, §1.3), and quotes and
 * backslashes are parsed differently by the iRODS 4.3 and 5 parsers. Such values are still
 * matched exactly: an `=` condition becomes a `like` pattern in which each of those characters is
 * replaced by `_` (any one character), the compared column is added to the select list, and the
 * rows are filtered by the original value afterwards. Literal `%` and `_` in a value also act as
 * wildcards in that pattern, which the filter corrects too. This is how the client reaches names
 * with `+` (design.md "Names") without renaming them.
 */

export const COMPARISONS = ['=', '!=', '<>', '<', '<=', '>', '>=', 'like', 'not like'] as const;
export type Comparison = (typeof COMPARISONS)[number];

export interface GenQueryCondition {
  /** A GenQuery column, e.g. `COLL_NAME`. */
  column: string;
  op: Comparison;
  value: string;
}

export interface GenQuerySpec {
  select: readonly string[];
  where?: readonly GenQueryCondition[];
  /**
   * False when the query runs with `case-sensitive=0`: the server then upper-cases the whole query
   * and compares upper-cased values, so the exact filter does the same.
   */
  caseSensitive?: boolean;
}

export interface BuiltGenQuery {
  /** The query text to send. */
  text: string;
  /** The columns of each returned row, in order: the select list, then added filter columns. */
  columns: readonly string[];
  /** False for rows that only matched because of a widened pattern. */
  keep(row: readonly string[]): boolean;
}

const unsendable = /[+'\\]/;
const columnName = /^[A-Z][A-Z0-9_]*$/;

/** Builds the query, or returns why it cannot be expressed. */
export function buildGenQuery(spec: GenQuerySpec): BuiltGenQuery | { problem: string } {
  if (spec.select.length === 0) return { problem: 'a query needs at least one column' };
  for (const column of [...spec.select, ...(spec.where ?? []).map((c) => c.column)]) {
    if (!columnName.test(column)) return { problem: `"${column}" is not a GenQuery column name` };
  }
  const columns = [...spec.select];
  const checks: ((row: readonly string[]) => boolean)[] = [];
  const clauses: string[] = [];
  for (const condition of spec.where ?? []) {
    const { column, op, value } = condition;
    if (!COMPARISONS.includes(op)) return { problem: `unknown comparison "${String(op)}"` };
    if (!unsendable.test(value)) {
      clauses.push(`${column} ${op} '${value}'`);
      continue;
    }
    const widened = value.replace(/[+'\\]/g, '_');
    const fold =
      spec.caseSensitive === false ? (text: string) => text.toUpperCase() : (text: string) => text;
    let exact: (cell: string) => boolean;
    if (op === '=') exact = (cell) => fold(cell) === fold(value);
    else if (op === 'like') exact = (cell) => likeMatches(fold(value), fold(cell));
    else {
      return {
        problem: `the value of ${column} ${op} contains "+", "'" or "\\", which only "=" and "like" can match`,
      };
    }
    let index = columns.indexOf(column);
    if (index < 0) index = columns.push(column) - 1;
    clauses.push(`${column} like '${widened}'`);
    checks.push((row) => exact(row[index] ?? ''));
  }
  const where = clauses.length > 0 ? ` where ${clauses.join(' and ')}` : '';
  return {
    text: `select ${columns.join(', ')}${where}`,
    columns,
    keep: (row) => checks.every((check) => check(row)),
  };
}

/** Whether `value` can stand in a literal as it is (no `+`, `'` or `\`). */
export function canTravelAsLiteral(value: string): boolean {
  return !unsendable.test(value);
}

/**
 * `COLUMN in ('a', 'b')` for values that can all stand in a literal (check them with
 * canTravelAsLiteral first), or a problem.
 */
export function inCondition(
  column: string,
  values: readonly string[],
): string | { problem: string } {
  if (!columnName.test(column)) return { problem: `"${column}" is not a GenQuery column name` };
  if (values.length === 0) return { problem: `an "in" condition on ${column} needs a value` };
  const bad = values.find((value) => !canTravelAsLiteral(value));
  if (bad !== undefined) return { problem: `"${bad}" cannot stand in a GenQuery literal` };
  return `${column} in (${values.map((value) => `'${value}'`).join(', ')})`;
}

/** SQL LIKE as GenQuery applies it: `%` any run, `_` any one character, case-sensitive. */
export function likeMatches(pattern: string, value: string): boolean {
  let source = '';
  for (const ch of pattern) {
    if (ch === '%') source += '.*';
    else if (ch === '_') source += '.';
    else source += ch.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${source}$`, 'su').test(value);
}

/** GenQuery times are 11-digit zero-padded seconds strings ("01712345678"). */
export function parseGenQueryTime(value: string): number {
  return Number.parseInt(value, 10);
}
