import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { executeGenQuery } from './genquery.js';
import type { GenQueryOptions, GenQueryOutcome, RowSource } from './genquery.js';

const RUN1 = '/tempZone/home/alice/run1';

// A small catalog, joined the way the catalog's SQL joins it: one record per replica, multiplied
// by the object's AVUs when metadata columns are asked for (objects without AVUs then drop out).
const REPLICA_COLUMNS = [
  'COLL_NAME',
  'DATA_NAME',
  'DATA_REPL_NUM',
  'DATA_SIZE',
  'DATA_REPL_STATUS',
  'RESC_NAME',
  'DATA_MODIFY_TIME',
] as const;
const REPLICAS: string[][] = [
  [RUN1, 'a.txt', '0', '10', '1', 'demoResc', '01700000100'],
  [RUN1, 'a.txt', '1', '10', '0', 'otherResc', '01700000100'],
  [RUN1, 'b+c.txt', '0', '9', '1', 'demoResc', '01700000200'],
  [RUN1, 'Mixed.TXT', '0', '200', '1', 'demoResc', '01700000300'],
  [`${RUN1}/sub`, 'd.txt', '0', '5', '2', 'demoResc', '01700000400'],
  ['/tempZone/home/bob', "it's.dat", '0', '7', '1', 'demoResc', '01600000000'],
];
const AVUS: Record<string, [string, string][]> = {
  'a.txt': [
    ['ingest.source', 'host:/a'],
    ['kind', 'raw'],
  ],
  'b+c.txt': [['ingest.source', 'host:/b']],
};

const catalog: RowSource = function* (columns) {
  const withAvus = [...columns].some((column) => column.startsWith('META_DATA_'));
  for (const values of REPLICAS) {
    const replica = Object.fromEntries(REPLICA_COLUMNS.map((column, i) => [column, values[i]]));
    // One object per name in this catalog, so the name can stand for the object id.
    const base = { ...replica, DATA_ID: `id:${replica.DATA_NAME}` };
    if (!withAvus) yield base;
    else {
      for (const [name, value] of AVUS[replica.DATA_NAME ?? ''] ?? []) {
        yield { ...base, META_DATA_ATTR_NAME: name, META_DATA_ATTR_VALUE: value };
      }
    }
  }
};

const DEFAULTS: GenQueryOptions = { offset: 0, count: 15, caseSensitive: true, distinct: true };

function query(text: string, options: Partial<GenQueryOptions> = {}): GenQueryOutcome {
  return executeGenQuery(text, { ...DEFAULTS, ...options }, catalog);
}

function rowsOf(text: string, options: Partial<GenQueryOptions> = {}): string[][] {
  const outcome = query(text, options);
  assert.ok('rows' in outcome, `expected rows, got ${JSON.stringify(outcome)}`);
  return outcome.rows;
}

describe('GenQuery1 conditions select the matching rows', () => {
  const table: [string, string, string[][]][] = [
    ['= on a string', "select DATA_NAME where DATA_NAME = 'a.txt'", [['a.txt']]],
    [
      '!= excludes one value',
      `select DATA_NAME where COLL_NAME = '${RUN1}' and DATA_NAME != 'a.txt'`,
      [['Mixed.TXT'], ['b+c.txt']],
    ],
    [
      '<> is the same as !=',
      `select DATA_NAME where COLL_NAME = '${RUN1}' and DATA_NAME <> 'a.txt'`,
      [['Mixed.TXT'], ['b+c.txt']],
    ],
    [
      '> compares sizes as numbers',
      "select DATA_NAME where DATA_SIZE > '9'",
      [['Mixed.TXT'], ['a.txt']],
    ],
    [
      '>= includes the bound',
      "select DATA_NAME where DATA_SIZE >= '10'",
      [['Mixed.TXT'], ['a.txt']],
    ],
    [
      '< compares sizes as numbers',
      "select DATA_NAME where DATA_SIZE < '9'",
      [['d.txt'], ["it's.dat"]],
    ],
    ['<= includes the bound', "select DATA_NAME where DATA_SIZE <= '7'", [['d.txt'], ["it's.dat"]]],
    [
      '< compares non-numbers as strings',
      "select DATA_NAME where DATA_NAME < 'a'",
      [['Mixed.TXT']],
    ],
    [
      '> on padded times',
      "select DATA_NAME where DATA_MODIFY_TIME > '01700000200'",
      [['Mixed.TXT'], ['d.txt']],
    ],
    [
      'like with %',
      "select COLL_NAME where COLL_NAME like '/tempZone/home/alice/%'",
      [[`${RUN1}`], [`${RUN1}/sub`]],
    ],
    [
      'like with _ matches + (the client cannot send +)',
      "select DATA_NAME where DATA_NAME like 'b_c.txt'",
      [['b+c.txt']],
    ],
    ['like _ is exactly one character', "select DATA_NAME where DATA_NAME like 'a_txt_'", []],
    [
      'like takes regex characters literally',
      "select DATA_NAME where DATA_NAME like 'b+c%'",
      [['b+c.txt']],
    ],
    [
      'not like',
      `select DATA_NAME where COLL_NAME = '${RUN1}' and DATA_NAME not like '%.txt'`,
      [['Mixed.TXT']],
    ],
    [
      'between is inclusive and numeric',
      "select DATA_NAME where DATA_SIZE between '7' '10'",
      [['a.txt'], ['b+c.txt'], ["it's.dat"]],
    ],
    [
      'in with parentheses',
      "select DATA_NAME where DATA_NAME in ('a.txt', 'd.txt')",
      [['a.txt'], ['d.txt']],
    ],
    [
      'in without parentheses',
      "select DATA_NAME where DATA_NAME in 'a.txt', 'd.txt'",
      [['a.txt'], ['d.txt']],
    ],
    [
      'not in',
      `select DATA_NAME where COLL_NAME = '${RUN1}' and DATA_NAME not in ('a.txt', 'b+c.txt')`,
      [['Mixed.TXT']],
    ],
    [
      'begin_of matches prefixes of the literal',
      `select COLL_NAME where COLL_NAME begin_of '${RUN1}/sub/deeper'`,
      [[RUN1], [`${RUN1}/sub`]],
    ],
    [
      'parent_of matches whole ancestors only',
      `select COLL_NAME where COLL_NAME parent_of '${RUN1}/sub'`,
      [[RUN1], [`${RUN1}/sub`]],
    ],
    [
      'parent_of does not match a partial name',
      "select COLL_NAME where COLL_NAME parent_of '/tempZone/home/bobby'",
      [],
    ],
    [
      '|| joins alternatives on one column',
      "select DATA_NAME where DATA_NAME = 'a.txt' || = 'd.txt'",
      [['a.txt'], ['d.txt']],
    ],
    [
      '&& joins comparisons on one column',
      "select DATA_NAME where DATA_SIZE > '5' && < '10'",
      [['b+c.txt'], ["it's.dat"]],
    ],
    [
      '&& binds tighter than ||',
      "select DATA_NAME where DATA_SIZE = '5' || > '9' && < '100'",
      [['a.txt'], ['d.txt']],
    ],
    [
      'and joins columns',
      `select DATA_REPL_NUM where DATA_NAME = 'a.txt' and RESC_NAME = 'otherResc'`,
      [['1']],
    ],
    [
      'AVU conditions apply to the same AVU',
      "select COLL_NAME, DATA_NAME where META_DATA_ATTR_NAME = 'ingest.source' and META_DATA_ATTR_VALUE = 'host:/b'",
      [[RUN1, 'b+c.txt']],
    ],
    ['no match gives no rows', "select DATA_NAME where DATA_NAME = 'missing'", []],
  ];
  for (const [behaviour, text, expected] of table) {
    it(behaviour, () => assert.deepEqual(rowsOf(text), expected));
  }
});

describe('GenQuery1 literals', () => {
  it("reads '' as a quote", () => {
    assert.deepEqual(rowsOf("select DATA_NAME where DATA_NAME = 'it''s.dat'"), [["it's.dat"]]);
  });
  it('reads \\xHH as a byte', () => {
    assert.deepEqual(rowsOf("select DATA_NAME where DATA_NAME = 'it\\x27s.dat'"), [["it's.dat"]]);
    assert.deepEqual(rowsOf("select DATA_NAME where DATA_NAME = 'b\\x2bc.txt'"), [['b+c.txt']]);
  });
  it('builds UTF-8 characters from \\xHH bytes', () => {
    const source: RowSource = () => [{ DATA_NAME: 'é.txt' }];
    const outcome = executeGenQuery(
      "select DATA_NAME where DATA_NAME = '\\xc3\\xa9.txt'",
      DEFAULTS,
      source,
    );
    assert.deepEqual(outcome, { rows: [['é.txt']] });
  });
  it('keeps keywords, operators and spaces inside literals', () => {
    const source: RowSource = () => [{ DATA_NAME: "x and y || 'z' where" }];
    const outcome = executeGenQuery(
      "SELECT DATA_NAME WHERE DATA_NAME = 'x and y || ''z'' where'",
      DEFAULTS,
      source,
    );
    assert.deepEqual(outcome, { rows: [["x and y || 'z' where"]] });
  });
  it('accepts free whitespace and any keyword case', () => {
    const text = "  SeLeCt\tDATA_NAME ,DATA_SIZE\nWhErE DATA_NAME='a.txt'AND DATA_REPL_NUM='0'  ";
    assert.deepEqual(rowsOf(text), [['a.txt', '10']]);
  });
});

describe('GenQuery1 case-sensitive option', () => {
  const text = `select DATA_NAME where COLL_NAME = '${RUN1.toUpperCase()}' and DATA_NAME = 'mixed.txt'`;
  it('finds names in any case when off, returning the stored case', () => {
    assert.deepEqual(rowsOf(text, { caseSensitive: false }), [['Mixed.TXT']]);
  });
  it('finds nothing when on', () => {
    assert.deepEqual(rowsOf(text), []);
  });
  it('upper-cases the whole query, so lower-case function names still parse', () => {
    const rows = rowsOf("select order_desc(DATA_SIZE) where DATA_NAME like '%.txt'", {
      caseSensitive: false,
    });
    assert.deepEqual(rows, [['200'], ['10'], ['9'], ['5']]);
  });
});

describe('GenQuery1 distinct option', () => {
  it('collapses identical rows by default (two replicas, one row)', () => {
    assert.deepEqual(rowsOf("select DATA_NAME where DATA_NAME = 'a.txt'"), [['a.txt']]);
  });
  it('keeps duplicates when off', () => {
    const rows = rowsOf("select DATA_NAME where DATA_NAME = 'a.txt'", { distinct: false });
    assert.deepEqual(rows, [['a.txt'], ['a.txt']]);
  });
  it('keeps one row per replica when a per-replica column is selected', () => {
    const rows = rowsOf("select DATA_NAME, RESC_NAME where DATA_NAME = 'a.txt'");
    assert.deepEqual(rows, [
      ['a.txt', 'demoResc'],
      ['a.txt', 'otherResc'],
    ]);
  });
});

describe('GenQuery1 ordering', () => {
  it('orders by COLL_NAME then DATA_NAME then DATA_REPL_NUM when selected', () => {
    assert.deepEqual(rowsOf('select DATA_REPL_NUM, DATA_NAME, COLL_NAME'), [
      ['0', 'Mixed.TXT', RUN1],
      ['0', 'a.txt', RUN1],
      ['1', 'a.txt', RUN1],
      ['0', 'b+c.txt', RUN1],
      ['0', 'd.txt', `${RUN1}/sub`],
      ['0', "it's.dat", '/tempZone/home/bob'],
    ]);
  });
  it('puts order_desc and order_asc columns first, in select order', () => {
    const rows = rowsOf('select order_asc(DATA_REPL_STATUS), order_desc(DATA_SIZE), DATA_NAME');
    assert.deepEqual(rows, [
      ['0', '10', 'a.txt'],
      ['1', '200', 'Mixed.TXT'],
      ['1', '10', 'a.txt'],
      ['1', '9', 'b+c.txt'],
      ['1', '7', "it's.dat"],
      ['2', '5', 'd.txt'],
    ]);
  });
  it('order() sorts integers numerically', () => {
    assert.deepEqual(rowsOf('select order(DATA_SIZE)'), [['5'], ['7'], ['9'], ['10'], ['200']]);
  });
  it('keeps the source order without an ORDER BY column', () => {
    assert.deepEqual(rowsOf('select DATA_SIZE'), [['10'], ['9'], ['200'], ['5'], ['7']]);
  });
});

describe('GenQuery1 paging', () => {
  const text = 'select COLL_NAME, DATA_NAME';
  const all = rowsOf(text);
  it('returns at most count rows', () => {
    assert.deepEqual(rowsOf(text, { count: 2 }), all.slice(0, 2));
  });
  it('skips offset rows after ordering and distinct', () => {
    assert.deepEqual(rowsOf(text, { offset: 2, count: 2 }), all.slice(2, 4));
    assert.deepEqual(rowsOf(text, { offset: 4, count: 2 }), all.slice(4, 6));
  });
  it('returns no rows past the end', () => {
    assert.deepEqual(rowsOf(text, { offset: 40 }), []);
  });
  it('pages an unordered query consistently with the source order', () => {
    const pages = [0, 2, 4].flatMap((offset) => rowsOf('select DATA_SIZE', { offset, count: 2 }));
    assert.deepEqual(pages, rowsOf('select DATA_SIZE'));
  });
});

describe('GenQuery1 aggregates', () => {
  it('counts joined rows per group of the other selected columns', () => {
    const rows = rowsOf('select COLL_NAME, count(DATA_ID)');
    assert.deepEqual(rows, [
      [RUN1, '4'],
      [`${RUN1}/sub`, '1'],
      ['/tempZone/home/bob', '1'],
    ]);
  });
  it('sums, averages and takes min and max numerically', () => {
    const rows = rowsOf(
      `select sum(DATA_SIZE), avg(DATA_SIZE), min(DATA_SIZE), max(DATA_SIZE) where COLL_NAME = '${RUN1}'`,
    );
    assert.deepEqual(rows, [['229', '57.25', '9', '200']]);
  });
  it('takes min and max of text columns as strings', () => {
    const rows = rowsOf(`select min(DATA_NAME), max(DATA_NAME) where COLL_NAME = '${RUN1}'`);
    assert.deepEqual(rows, [['Mixed.TXT', 'b+c.txt']]);
  });
  it('answers one row for an aggregate over no rows', () => {
    const rows = rowsOf("select count(DATA_ID), sum(DATA_SIZE) where DATA_NAME = 'missing'");
    assert.deepEqual(rows, [['0', '']]);
  });
  it('answers no rows when grouping columns have no match', () => {
    assert.deepEqual(rowsOf("select COLL_NAME, count(DATA_ID) where DATA_NAME = 'x'"), []);
  });
});

describe('GenQuery1 errors', () => {
  const syntaxErrors: [string, string][] = [
    ['an empty query', ''],
    ['a query without select', "get DATA_NAME where DATA_NAME = 'a'"],
    ['an empty select list', 'select'],
    ['a trailing comma in the select list', 'select DATA_NAME,'],
    ['an unknown function', 'select size(DATA_SIZE)'],
    ['a function without its parenthesis', 'select count(DATA_SIZE'],
    ['where without a condition', 'select DATA_NAME where'],
    ['a condition without an operator', "select DATA_NAME where DATA_NAME 'a'"],
    ['an unquoted value', 'select DATA_NAME where DATA_SIZE > 5'],
    ['an unterminated literal', "select DATA_NAME where DATA_NAME = 'a"],
    ['between with one bound', "select DATA_NAME where DATA_SIZE between '1'"],
    ['in with an empty list', 'select DATA_NAME where DATA_NAME in ()'],
    ['not before an operator', "select DATA_NAME where DATA_NAME not = 'a'"],
    ['or between different columns', "select DATA_NAME where DATA_NAME = 'a' || DATA_SIZE = '1'"],
    ['a dangling and', "select DATA_NAME where DATA_NAME = 'a' and"],
    ['a doubled operator', "select DATA_NAME where DATA_NAME == 'a'"],
    ['a character outside the grammar', 'select DATA_NAME; select COLL_NAME'],
    ['trailing garbage', "select DATA_NAME where DATA_NAME = 'a' 'b'"],
  ];
  for (const [behaviour, text] of syntaxErrors) {
    it(`rejects ${behaviour} with INPUT_ARG_NOT_WELL_FORMED_ERR`, () => {
      const outcome = query(text);
      assert.ok('code' in outcome, `expected an error, got ${JSON.stringify(outcome)}`);
      assert.equal(outcome.code, -1084000);
      assert.match(outcome.message, /: INPUT_ARG_NOT_WELL_FORMED_ERR$/);
    });
  }

  const unknownColumns: [string, string][] = [
    ['in the select list', 'select DATA_NAMES'],
    ['inside a function', 'select count(NOT_A_COLUMN)'],
    ['in a condition', "select DATA_NAME where DATA_FOO = 'a'"],
    ['written in lower case', 'select data_name'],
  ];
  for (const [where, text] of unknownColumns) {
    it(`rejects an unknown column ${where} with NO_COLUMN_NAME_FOUND`, () => {
      const outcome = query(text);
      assert.ok('code' in outcome, `expected an error, got ${JSON.stringify(outcome)}`);
      assert.equal(outcome.code, -1107000);
      assert.match(outcome.message, /column .*: NO_COLUMN_NAME_FOUND$/);
    });
  }

  it('accepts a lower-case column when case-sensitive is off (the query is upper-cased)', () => {
    assert.deepEqual(
      rowsOf("select data_name where data_name = 'D.TXT'", { caseSensitive: false }),
      [['d.txt']],
    );
  });
});
