import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  formatBytes,
  formatDuration,
  formatPassSummary,
  type PassSummary,
} from '../../../src/core/pass-summary.js';

const GiB = 1024 ** 3;

describe('formatPassSummary', () => {
  it('reports a pass on one line: counts, bytes and duration', () => {
    const summary: PassSummary = {
      seen: 5000,
      new: 12,
      updated: 3,
      deleted: 0,
      excluded: 40,
      failed: 1,
      bytes: 1.2 * GiB,
      durationMs: 4100,
    };
    assert.equal(
      formatPassSummary('microscope-1', 3, summary),
      'job microscope-1 pass 3 done: 5000 seen, 12 new, 3 updated, 0 deleted, 40 excluded, ' +
        '1 failed, 1.2 GiB, 4.1 s',
    );
  });

  it('reports an empty first pass', () => {
    const empty: PassSummary = {
      seen: 0,
      new: 0,
      updated: 0,
      deleted: 0,
      excluded: 0,
      failed: 0,
      bytes: 0,
      durationMs: 3,
    };
    assert.equal(
      formatPassSummary('a', 1, empty),
      'job a pass 1 done: 0 seen, 0 new, 0 updated, 0 deleted, 0 excluded, 0 failed, 0 B, 3 ms',
    );
  });
});

describe('formatBytes', () => {
  const table: [number, string][] = [
    [0, '0 B'],
    [1, '1 B'],
    [1023, '1023 B'],
    [1024, '1.0 KiB'],
    [1536, '1.5 KiB'],
    [1024 * 1024 - 1, '1.0 MiB'],
    [1024 * 1024 - 60, '1023.9 KiB'],
    [5 * 1024 * 1024, '5.0 MiB'],
    [1.2 * GiB, '1.2 GiB'],
    [3.5 * 1024 * GiB, '3.5 TiB'],
    [2 * 1024 ** 5, '2.0 PiB'],
    [Number.MAX_SAFE_INTEGER, '8.0 PiB'],
  ];
  for (const [bytes, expected] of table) {
    it(`shows ${bytes} bytes as ${expected}`, () => {
      assert.equal(formatBytes(bytes), expected);
    });
  }
});

describe('formatDuration', () => {
  const table: [number, string][] = [
    [0, '0 ms'],
    [850, '850 ms'],
    [999.4, '999 ms'],
    [999.6, '1.0 s'],
    [4100, '4.1 s'],
    [4149, '4.1 s'],
    [59_949, '59.9 s'],
    [59_960, '1 min 0 s'],
    [125_000, '2 min 5 s'],
    [3_599_499, '59 min 59 s'],
    [3_599_700, '1 h 0 min'],
    [3 * 3_600_000 + 2 * 60_000, '3 h 2 min'],
    [50 * 3_600_000, '50 h 0 min'],
  ];
  for (const [ms, expected] of table) {
    it(`shows ${ms} ms as ${expected}`, () => {
      assert.equal(formatDuration(ms), expected);
    });
  }
});
