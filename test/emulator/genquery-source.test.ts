import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { executeGenQuery, GENQUERY_COLUMNS } from './genquery.js';
import type { Constraints, GenQueryOptions, RowSource } from './genquery.js';

// How the GenQuery1 engine reads its RowSource, and which columns it knows (genquery.test.ts
// covers what the queries answer).

const DEFAULTS: GenQueryOptions = { offset: 0, count: 15, caseSensitive: true, distinct: true };

describe('GenQuery1 reading of the source', () => {
  function counting(total: number): { source: RowSource; read: () => number; asked: string[] } {
    let read = 0;
    const asked: string[] = [];
    const source: RowSource = function* (columns) {
      asked.push(...columns);
      for (let i = 0; i < total; i++) {
        read++;
        yield { DATA_ID: String(i), DATA_NAME: `f${i % 10}`, COLL_NAME: '/z' };
      }
    };
    return { source, read: () => read, asked };
  }

  it('asks the source for exactly the selected and conditioned columns', () => {
    const { source, asked } = counting(1);
    executeGenQuery("select DATA_ID where DATA_NAME = 'f0'", DEFAULTS, source);
    assert.deepEqual(asked.sort(), ['DATA_ID', 'DATA_NAME']);
  });
  describe('tells the source the constraints of the where-clause', () => {
    function constraintsOf(text: string, options: Partial<GenQueryOptions> = {}): Constraints {
      let seen: Constraints | undefined;
      executeGenQuery(text, { ...DEFAULTS, ...options }, (_columns, constraints) => {
        seen = constraints;
        return [];
      });
      assert.ok(seen);
      return seen;
    }
    const table: [string, string, Constraints][] = [
      [
        'equalities joined by and',
        "select DATA_ID where COLL_NAME = '/z' and DATA_NAME = 'f1' and DATA_SIZE > '3'",
        { equal: { COLL_NAME: '/z', DATA_NAME: 'f1' }, prefix: {} },
      ],
      [
        'the literal start of a like pattern, escapes resolved',
        "select DATA_ID where COLL_NAME like '/z/a\\_b_c%' and DATA_NAME like '%x'",
        { equal: {}, prefix: { COLL_NAME: '/z/a_b' } },
      ],
      [
        'an equality inside && but nothing from ||, not like or !=',
        "select DATA_ID where COLL_NAME = '/z' && like '/%' and DATA_NAME = 'a' || = 'b' and DATA_ID not like '1%' and DATA_SIZE != '0'",
        { equal: { COLL_NAME: '/z' }, prefix: { COLL_NAME: '/' } },
      ],
    ];
    for (const [behaviour, text, expected] of table) {
      it(behaviour, () => assert.deepEqual(constraintsOf(text), expected));
    }
    it('none when case-insensitive, as values then compare upper-cased', () => {
      const text = "select DATA_ID where COLL_NAME = '/z' and DATA_NAME like 'f%'";
      assert.deepEqual(constraintsOf(text, { caseSensitive: false }), { equal: {}, prefix: {} });
    });
  });
  it('stops reading an unordered query at the last requested row', () => {
    const { source, read } = counting(200_000);
    const outcome = executeGenQuery('select DATA_ID', { ...DEFAULTS, offset: 5, count: 3 }, source);
    assert.deepEqual(outcome, { rows: [['5'], ['6'], ['7']] });
    assert.equal(read(), 8);
  });
  it('reads a large source once for an ordered, distinct query', () => {
    const { source, read } = counting(200_000);
    const outcome = executeGenQuery('select COLL_NAME, DATA_NAME', DEFAULTS, source);
    assert.ok('rows' in outcome);
    assert.deepEqual(
      outcome.rows.map((row) => row[1]),
      ['f0', 'f1', 'f2', 'f3', 'f4', 'f5', 'f6', 'f7', 'f8', 'f9'],
    );
    assert.equal(read(), 200_000);
  });
});

describe('GENQUERY_COLUMNS', () => {
  it('holds every column the spec lists for an ingest daemon', () => {
    const listed =
      'COLL_ID COLL_NAME COLL_PARENT_NAME COLL_OWNER_NAME COLL_CREATE_TIME COLL_MODIFY_TIME ' +
      'COLL_INHERITANCE COLL_ACCESS_NAME DATA_ID DATA_COLL_ID DATA_NAME DATA_SIZE DATA_CHECKSUM ' +
      'DATA_REPL_NUM DATA_REPL_STATUS DATA_RESC_NAME DATA_RESC_HIER DATA_PATH DATA_CREATE_TIME ' +
      'DATA_MODIFY_TIME DATA_OWNER_NAME DATA_TYPE_NAME DATA_ACCESS_NAME DATA_ACCESS_DATA_ID ' +
      'DATA_TOKEN_NAMESPACE DATA_USER_NAME DATA_ACCESS_TIME RESC_ID RESC_NAME ' +
      'META_DATA_ATTR_NAME META_DATA_ATTR_VALUE META_DATA_ATTR_UNITS META_DATA_ATTR_ID ' +
      'META_COLL_ATTR_NAME META_COLL_ATTR_VALUE META_COLL_ATTR_UNITS USER_NAME USER_TYPE USER_ZONE';
    const missing = listed.split(' ').filter((column) => !GENQUERY_COLUMNS.has(column));
    assert.deepEqual(missing, []);
  });
  it('holds the columns the upstream test suite queries', () => {
    const used =
      'META_RESC_ATTR_NAME META_RESC_ATTR_VALUE META_RESC_ATTR_UNITS META_USER_ATTR_NAME ' +
      'META_USER_ATTR_VALUE META_USER_ATTR_UNITS RULE_EXEC_ID TICKET_STRING TICKET_TYPE ' +
      'TICKET_DATA_NAME TICKET_COLL_NAME TICKET_USES_LIMIT TICKET_EXPIRY ' +
      'TICKET_ALLOWED_USER_NAME TICKET_ALLOWED_GROUP_NAME TICKET_ALLOWED_HOST';
    const missing = used.split(' ').filter((column) => !GENQUERY_COLUMNS.has(column));
    assert.deepEqual(missing, []);
  });
});
