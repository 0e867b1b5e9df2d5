/**
 * GenQuery1 parsing for the emulator (spec §5.3.2): literals, tokens and a recursive-descent
 * parser that turns a query string into select items and ready-to-run condition tests, over the
 * column catalogue of genquery-columns.ts. Pure: no I/O. Execution lives in genquery.ts.
 */
import { GENQUERY_COLUMNS, isIntegerColumn } from './genquery-columns.js';

export { GENQUERY_COLUMNS } from './genquery-columns.js';

const ERRORS = {
  INPUT_ARG_NOT_WELL_FORMED_ERR: -1084000,
  NO_COLUMN_NAME_FOUND: -1107000,
} as const;

/** A query the server would refuse; `message` has the library's "<what failed>: <NAME>" shape. */
export class GenQueryError extends Error {
  readonly code: number;
  constructor(name: keyof typeof ERRORS, what: string) {
    super(`${what}: ${name}`);
    this.code = ERRORS[name];
  }
}

const AGGREGATES = ['count', 'min', 'max', 'sum', 'avg'] as const;
export type Aggregate = (typeof AGGREGATES)[number];
const ORDERINGS = { order: 'asc', order_asc: 'asc', order_desc: 'desc' } as const;
export type Direction = (typeof ORDERINGS)[keyof typeof ORDERINGS];

export interface SelectItem {
  column: string;
  aggregate?: Aggregate;
  order?: Direction;
}
type Test = (value: string) => boolean;
/** One comparison, with what it guarantees of every value it accepts (see Condition). */
interface Comparison {
  test: Test;
  equals?: string;
  prefix?: string;
}
export interface Condition {
  column: string;
  test: Test;
  /** Set when the condition holds only for this exact value (a plain `=`). */
  equals?: string;
  /** Set when every value the condition holds for starts with this (a `like`). */
  prefix?: string;
}
export interface Query {
  select: SelectItem[];
  where: Condition[];
}
export type CatalogRecord = Readonly<Record<string, string>>;
export type Comparator = (a: string, b: string) => number;

// ---------------------------------------------------------------------------------------------
// Values and comparisons

export const NUMERIC = /^-?\d+(\.\d+)?$/;

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Conditions compare as strings unless both sides look numeric (sizes are not zero-padded). */
function compareInCondition(a: string, b: string): number {
  return NUMERIC.test(a) && NUMERIC.test(b) ? Math.sign(Number(a) - Number(b)) : compareText(a, b);
}

/** A total order for ORDER BY and min/max: numeric for integer columns, text otherwise. */
export function comparatorFor(column: string): Comparator {
  if (!isIntegerColumn(column)) return compareText;
  return (a, b) => {
    const an = NUMERIC.test(a);
    const bn = NUMERIC.test(b);
    if (an && bn) return Math.sign(Number(a) - Number(b));
    return an === bn ? compareText(a, b) : an ? -1 : 1;
  };
}

/** SQL LIKE: `%` any run, `_` any one character, `\` makes the next character literal. */
function likeToRegExp(pattern: string): RegExp {
  let source = '';
  const chars = Array.from(pattern);
  for (let i = 0; i < chars.length; i++) {
    const char = chars[i] ?? '';
    if (char === '%') source += '.*';
    else if (char === '_') source += '.';
    else {
      const literal = char === '\\' && i + 1 < chars.length ? (chars[++i] ?? '') : char;
      source += literal.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&');
    }
  }
  return new RegExp(`^${source}$`, 'su');
}

/** The literal start of a LIKE pattern: every value it matches begins with this. */
function likePrefix(pattern: string): string {
  let prefix = '';
  const chars = Array.from(pattern);
  for (let i = 0; i < chars.length; i++) {
    const char = chars[i] ?? '';
    if (char === '%' || char === '_') break;
    prefix += char === '\\' && i + 1 < chars.length ? (chars[++i] ?? '') : char;
  }
  return prefix;
}

/** The paths `parent_of` accepts: every prefix of the literal ending before a `/`, and itself. */
function parentPaths(path: string): Set<string> {
  const parents = new Set([path]);
  for (let i = path.indexOf('/'); i !== -1; i = path.indexOf('/', i + 1)) {
    parents.add(i === 0 ? '/' : path.slice(0, i));
  }
  return parents;
}

const ORDER_OPERATORS: Readonly<Record<string, (order: number) => boolean>> = {
  '<': (order) => order < 0,
  '<=': (order) => order <= 0,
  '>': (order) => order > 0,
  '>=': (order) => order >= 0,
};

// ---------------------------------------------------------------------------------------------
// Tokens

interface Token {
  kind: 'word' | 'symbol' | 'literal';
  text: string;
  at: number;
}

const TOKEN = /\s+|([A-Za-z_]\w*)|(\|\||&&|!=|<>|<=|>=|[=<>(),])|'((?:[^']|'')*)'/y;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

function syntaxError(what: string): GenQueryError {
  return new GenQueryError('INPUT_ARG_NOT_WELL_FORMED_ERR', `GenQuery1 syntax error: ${what}`);
}

/** Literal body: `''` is a quote and `\xHH` a raw byte (bytes may build up a UTF-8 character). */
function decodeLiteral(body: string): string {
  const unquoted = body.replaceAll("''", "'");
  if (!/\\x[0-9a-f]{2}/i.test(unquoted)) return unquoted;
  const bytes: number[] = [];
  for (const [index, part] of unquoted.split(/(\\x[0-9a-f]{2})/i).entries()) {
    if (index % 2 === 1) bytes.push(parseInt(part.slice(2), 16));
    else bytes.push(...encoder.encode(part));
  }
  return decoder.decode(new Uint8Array(bytes));
}

function tokenize(query: string): Token[] {
  const tokens: Token[] = [];
  for (let at = 0; at < query.length; at = TOKEN.lastIndex) {
    TOKEN.lastIndex = at;
    const match = TOKEN.exec(query);
    if (!match) {
      const char = query.charAt(at);
      throw syntaxError(
        char === "'"
          ? `unterminated literal at offset ${at}`
          : `unexpected '${char}' at offset ${at}`,
      );
    }
    const [, word, symbol, literal] = match;
    if (word !== undefined) tokens.push({ kind: 'word', text: word, at });
    else if (symbol !== undefined) tokens.push({ kind: 'symbol', text: symbol, at });
    else if (literal !== undefined)
      tokens.push({ kind: 'literal', text: decodeLiteral(literal), at });
  }
  return tokens;
}

// ---------------------------------------------------------------------------------------------
// Parser (recursive descent over the tokens)

class Parser {
  #tokens: Token[];
  #next = 0;

  constructor(tokens: Token[]) {
    this.#tokens = tokens;
  }

  parse(): Query {
    this.#expect('select');
    const select = [this.#selectItem()];
    while (this.#take(',')) select.push(this.#selectItem());
    const where: Condition[] = [];
    if (this.#take('where')) {
      do where.push(this.#condition());
      while (this.#take('and'));
    }
    const extra = this.#tokens[this.#next];
    if (extra) throw syntaxError(`unexpected '${extra.text}' at offset ${extra.at}`);
    return { select, where };
  }

  #selectItem(): SelectItem {
    const name = this.#word('a column or function name');
    if (!this.#take('(')) return { column: this.#column(name) };
    const func = name.toLowerCase();
    const column = this.#column(this.#word('a column name'));
    this.#expect(')');
    if (func in ORDERINGS) return { column, order: ORDERINGS[func as keyof typeof ORDERINGS] };
    if ((AGGREGATES as readonly string[]).includes(func)) {
      return { column, aggregate: func as Aggregate };
    }
    throw syntaxError(`unknown function '${name}'`);
  }

  /**
   * `COL cmp [|| cmp | && cmp ...]`; `&&` binds tighter than `||`, as in the generated SQL. Without
   * `||`, what any one comparison guarantees holds for the whole condition.
   */
  #condition(): Condition {
    const column = this.#column(this.#word('a column name'));
    const alternatives: Comparison[][] = [[this.#comparison()]];
    for (;;) {
      if (this.#take('||')) alternatives.push([this.#comparison()]);
      else if (this.#take('&&')) alternatives.at(-1)?.push(this.#comparison());
      else break;
    }
    const test: Test = (value) => alternatives.some((all) => all.every((c) => c.test(value)));
    const only = alternatives.length === 1 ? (alternatives[0] ?? []) : [];
    const equals = only.find((c) => c.equals !== undefined)?.equals;
    const prefix = only.find((c) => c.prefix !== undefined)?.prefix;
    return {
      column,
      test,
      ...(equals !== undefined && { equals }),
      ...(prefix !== undefined && { prefix }),
    };
  }

  #comparison(): Comparison {
    const token = this.#tokens[this.#next++];
    if (token?.kind === 'symbol') return this.#operator(token.text);
    const keyword = token?.kind === 'word' ? token.text.toLowerCase() : '';
    switch (keyword) {
      case 'not': {
        const next = this.#tokens[this.#next];
        if (next?.kind !== 'word' || !/^(like|in|between)$/i.test(next.text)) {
          throw syntaxError(`expected like, in or between after 'not' ${this.#where(next)}`);
        }
        const positive = this.#comparison().test;
        return { test: (value) => !positive(value) };
      }
      case 'like': {
        const literal = this.#literal();
        const pattern = likeToRegExp(literal);
        return { test: (value) => pattern.test(value), prefix: likePrefix(literal) };
      }
      case 'between': {
        const low = this.#literal();
        const high = this.#literal();
        return {
          test: (value) =>
            compareInCondition(value, low) >= 0 && compareInCondition(value, high) <= 0,
        };
      }
      case 'in': {
        const values = this.#literalList();
        return { test: (value) => values.has(value) };
      }
      case 'begin_of': {
        const whole = this.#literal();
        return { test: (value) => value.length > 0 && whole.startsWith(value) };
      }
      case 'parent_of': {
        const parents = parentPaths(this.#literal());
        return { test: (value) => parents.has(value) };
      }
    }
    throw syntaxError(`expected a comparison ${this.#where(token)}`);
  }

  #operator(symbol: string): Comparison {
    const operand = this.#literal();
    if (symbol === '=') return { test: (value) => value === operand, equals: operand };
    if (symbol === '!=' || symbol === '<>') return { test: (value) => value !== operand };
    const accepts = ORDER_OPERATORS[symbol];
    if (!accepts) throw syntaxError(`'${symbol}' is not a comparison operator`);
    return { test: (value) => accepts(compareInCondition(value, operand)) };
  }

  /** `('a', 'b')`, or the same without parentheses; upstream also takes it without commas. */
  #literalList(): Set<string> {
    const parenthesized = this.#take('(');
    const values = new Set([this.#literal()]);
    while (this.#take(',') || this.#tokens[this.#next]?.kind === 'literal') {
      values.add(this.#literal());
    }
    if (parenthesized) this.#expect(')');
    return values;
  }

  #column(name: string): string {
    if (!GENQUERY_COLUMNS.has(name)) {
      throw new GenQueryError('NO_COLUMN_NAME_FOUND', `unknown GenQuery1 column '${name}'`);
    }
    return name;
  }

  #literal(): string {
    const token = this.#tokens[this.#next];
    if (token?.kind !== 'literal')
      throw syntaxError(`expected a quoted literal ${this.#where(token)}`);
    this.#next++;
    return token.text;
  }

  #word(expected: string): string {
    const token = this.#tokens[this.#next];
    if (token?.kind !== 'word') throw syntaxError(`expected ${expected} ${this.#where(token)}`);
    this.#next++;
    return token.text;
  }

  /** Consumes the next token if it is the symbol or keyword (in any case) `text`. */
  #take(text: string): boolean {
    const token = this.#tokens[this.#next];
    if (token?.kind === 'literal' || token?.text.toLowerCase() !== text) return false;
    this.#next++;
    return true;
  }

  #expect(text: string): void {
    if (!this.#take(text)) {
      throw syntaxError(`expected '${text}' ${this.#where(this.#tokens[this.#next])}`);
    }
  }

  #where(token: Token | undefined): string {
    return token ? `at offset ${token.at}` : 'at the end of the query';
  }
}

/** Parses a GenQuery1 string; throws GenQueryError (-1084000 syntax, -1107000 unknown column). */
export function parseGenQuery(query: string): Query {
  return new Parser(tokenize(query)).parse();
}
