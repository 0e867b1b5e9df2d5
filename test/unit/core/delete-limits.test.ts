import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  deleteLimit,
  describeMaxDelete,
  holdsDeletes,
  maxDeleteProblem,
  parseMaxDelete,
} from '../../../src/core/delete-limits.js';

describe('max_delete', () => {
  it('reads a count or a share, and says what is wrong with anything else', () => {
    const table: [string | number, string | undefined][] = [
      ['50%', undefined],
      ['0%', undefined],
      ['100%', undefined],
      ['12.5%', undefined],
      ['1000', undefined],
      [0, undefined],
      [250, undefined],
      ['101%', '101% is more than 100%'],
      [-1, '-1 is not a count of entries (a whole number from 0) or a share like "50%"'],
      [1.5, '1.5 is not a count of entries (a whole number from 0) or a share like "50%"'],
      [
        'half',
        '"half" is not a count of entries ("1000") or a share of the tracked entries ("50%")',
      ],
      [
        '50 %',
        '"50 %" is not a count of entries ("1000") or a share of the tracked entries ("50%")',
      ],
      ['', '"" is not a count of entries ("1000") or a share of the tracked entries ("50%")'],
    ];
    for (const [value, problem] of table)
      assert.equal(maxDeleteProblem(value), problem, String(value));
    assert.deepEqual(parseMaxDelete('12.5%'), { percent: 12.5 });
    assert.deepEqual(parseMaxDelete('1000'), { count: 1000 });
    assert.deepEqual(parseMaxDelete(7), { count: 7 });
    assert.throws(() => parseMaxDelete('half'), RangeError);
    assert.equal(describeMaxDelete({ percent: 50 }), '50%');
    assert.equal(describeMaxDelete({ count: 3 }), '3 entries');
  });

  it('holds what is more than the limit; a share does not hold jobs under 100 entries', () => {
    // [max_delete, tracked, deleting, allowance, held]
    const table: [string | number, number, number, number, boolean][] = [
      ['50%', 122, 74, 0, true],
      ['50%', 122, 61, 0, false],
      ['50%', 122, 62, 0, true],
      ['50%', 1000, 100, 0, false],
      ['50%', 99, 99, 0, false],
      ['50%', 100, 51, 0, true],
      ['0%', 100, 1, 0, true],
      ['0%', 10, 1, 0, false],
      ['100%', 1000, 1000, 0, false],
      [10, 5, 5, 0, false],
      [10, 5, 11, 0, true],
      [0, 1_000_000, 1, 0, true],
      [0, 1_000_000, 0, 0, false],
      // A release allows what was held to the pass deciding the same deletes at that moment.
      ['50%', 122, 74, 74, false],
      ['50%', 122, 80, 74, true],
    ];
    for (const [max, tracked, entries, allowance, held] of table) {
      assert.equal(
        holdsDeletes(parseMaxDelete(max), tracked, entries, allowance),
        held,
        `${max} of ${tracked}: deleting ${entries} (allowance ${allowance})`,
      );
    }
    assert.equal(deleteLimit({ percent: 50 }, 99), Number.POSITIVE_INFINITY);
    assert.equal(deleteLimit({ percent: 50 }, 123), 61);
    assert.equal(deleteLimit({ count: 5 }, 3), 5);
  });
});
