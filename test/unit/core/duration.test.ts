import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { durationProblem, formatDuration, parseDuration } from '../../../src/core/duration.js';

describe('durations', () => {
  it('reads one whole number with one unit, or "0"', () => {
    const table: [string, number | undefined][] = [
      ['0', 0],
      ['0s', 0],
      ['500ms', 500],
      ['30s', 30_000],
      ['15m', 900_000],
      ['2h', 7_200_000],
      ['1d', 86_400_000],
      ['', undefined],
      ['15', undefined],
      ['1.5s', undefined],
      ['-1s', undefined],
      ['15 m', undefined],
      ['15min', undefined],
      ['1h30m', undefined],
      ['2H', undefined],
      ['99999999999999999d', undefined],
    ];
    for (const [text, ms] of table) assert.equal(parseDuration(text), ms, JSON.stringify(text));
  });

  it('says what a duration looks like when given something else', () => {
    assert.match(durationProblem('soon') ?? '', /use a whole number and one unit/);
    assert.equal(durationProblem('99999999999999999d'), 'is too long');
  });

  it('prints durations in the largest exact unit', () => {
    const table: [number, string][] = [
      [0, '0'],
      [500, '500ms'],
      [1500, '1500ms'],
      [30_000, '30s'],
      [90_000, '90s'],
      [900_000, '15m'],
      [7_200_000, '2h'],
      [86_400_000, '1d'],
    ];
    for (const [ms, text] of table) assert.equal(formatDuration(ms), text);
  });
});
