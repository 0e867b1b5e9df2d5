import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  buildGenQuery,
  canTravelAsLiteral,
  inCondition,
  likeMatches,
  parseGenQueryTime,
} from '../../../src/core/genquery.js';

function built(spec: Parameters<typeof buildGenQuery>[0]) {
  const result = buildGenQuery(spec);
  if ('problem' in result) throw new Error(result.problem);
  return result;
}

describe('buildGenQuery', () => {
  it('sends plain values as they are', () => {
    const query = built({
      select: ['DATA_NAME', 'DATA_SIZE'],
      where: [
        { column: 'COLL_NAME', op: '=', value: '/tempZone/home/rods/a b' },
        { column: 'DATA_SIZE', op: '>', value: '10' },
      ],
    });
    assert.equal(
      query.text,
      "select DATA_NAME, DATA_SIZE where COLL_NAME = '/tempZone/home/rods/a b' and DATA_SIZE > '10'",
    );
    assert.deepEqual(query.columns, ['DATA_NAME', 'DATA_SIZE']);
    assert.equal(query.keep(['x', '1']), true);
  });

  it('widens = on a value with + into like with _, selects the column, and filters exactly', () => {
    const query = built({
      select: ['DATA_SIZE'],
      where: [{ column: 'DATA_NAME', op: '=', value: 'a+b.txt' }],
    });
    assert.equal(query.text, "select DATA_SIZE, DATA_NAME where DATA_NAME like 'a_b.txt'");
    assert.deepEqual(query.columns, ['DATA_SIZE', 'DATA_NAME']);
    assert.equal(query.keep(['1', 'a+b.txt']), true);
    assert.equal(query.keep(['1', 'a b.txt']), false);
    assert.equal(query.keep(['1', 'a_b.txt']), false);
  });

  it('uses the selected column when it is already there', () => {
    const query = built({
      select: ['COLL_NAME'],
      where: [{ column: 'COLL_NAME', op: '=', value: "/z/it's+1" }],
    });
    assert.equal(query.text, "select COLL_NAME where COLL_NAME like '/z/it_s_1'");
    assert.equal(query.keep(["/z/it's+1"]), true);
    assert.equal(query.keep(['/z/itxs 1']), false);
  });

  it('filters widened like patterns with the original pattern', () => {
    const query = built({
      select: ['COLL_NAME'],
      where: [{ column: 'COLL_NAME', op: 'like', value: '/z/a+b/%' }],
    });
    assert.equal(query.text, "select COLL_NAME where COLL_NAME like '/z/a_b/%'");
    assert.equal(query.keep(['/z/a+b/c']), true);
    assert.equal(query.keep(['/z/a b/c']), false);
  });

  it('folds case in the filter for case-insensitive queries', () => {
    const query = built({
      select: ['DATA_NAME'],
      where: [{ column: 'DATA_NAME', op: '=', value: 'A+b' }],
      caseSensitive: false,
    });
    assert.equal(query.keep(['A+B']), true);
    assert.equal(query.keep(['A B']), false);
  });

  it('explains what it cannot express', () => {
    const table: [Parameters<typeof buildGenQuery>[0], RegExp][] = [
      [{ select: [] }, /at least one column/],
      [{ select: ['data_name; drop'] }, /not a GenQuery column/],
      [
        { select: ['DATA_NAME'], where: [{ column: 'DATA_NAME', op: '>', value: 'a+b' }] },
        /only "=" and "like"/,
      ],
    ];
    for (const [spec, problem] of table) {
      const result = buildGenQuery(spec);
      assert.ok('problem' in result);
      assert.match(result.problem, problem);
    }
  });
});

describe('likeMatches', () => {
  it('treats % as any run and _ as one character, nothing else special', () => {
    const table: [string, string, boolean][] = [
      ['a_b', 'a+b', true],
      ['a_b', 'ab', false],
      ['/z/%', '/z/a/b', true],
      ['/z/%', '/y/a', false],
      ['a.b', 'axb', false],
      ['(x)*', '(x)*', true],
      ['line%', 'line\nbreak', true],
      ['/z/a-b/%', '/z/a-b/c', true],
    ];
    for (const [pattern, value, expected] of table) {
      assert.equal(likeMatches(pattern, value), expected, `${pattern} ~ ${value}`);
    }
  });
});

describe('parseGenQueryTime', () => {
  it('reads zero-padded seconds', () => {
    assert.equal(parseGenQueryTime('01712345678'), 1712345678);
  });
});

describe('inCondition', () => {
  it('lists quoted values', () => {
    assert.equal(inCondition('DATA_NAME', ['a.txt', 'b c']), "DATA_NAME in ('a.txt', 'b c')");
  });

  it('refuses values that cannot stand in a literal, and an empty list', () => {
    for (const value of ['a+b', "it's", 'back\\slash']) {
      assert.equal(canTravelAsLiteral(value), false, value);
      assert.ok(typeof inCondition('DATA_NAME', ['ok', value]) === 'object', value);
    }
    assert.ok(typeof inCondition('DATA_NAME', []) === 'object');
    assert.ok(typeof inCondition('data_name', ['a']) === 'object');
  });
});
