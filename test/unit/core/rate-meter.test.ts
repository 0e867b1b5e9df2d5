import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RateMeter } from '../../../src/core/rate-meter.js';

describe('RateMeter', () => {
  it('reports zero from a single sample', () => {
    assert.deepEqual(new RateMeter(60_000).sample(0, 1, 10, 100), { files: 0, bytes: 0 });
  });

  it('averages over the samples inside the window', () => {
    const meter = new RateMeter(10_000);
    meter.sample(0, 1, 0, 0);
    meter.sample(5_000, 1, 50, 5_000);
    assert.deepEqual(meter.sample(10_000, 1, 100, 10_000), { files: 10, bytes: 1000 });
    // The first sample has left the window: the rate is over the last 10 s only.
    assert.deepEqual(meter.sample(20_000, 1, 100, 10_000), { files: 0, bytes: 0 });
  });

  it('starts again with a new pass, whose totals start from zero', () => {
    const meter = new RateMeter(60_000);
    meter.sample(0, 1, 0, 0);
    meter.sample(1_000, 1, 1_000, 0);
    assert.deepEqual(meter.sample(2_000, 2, 10, 0), { files: 0, bytes: 0 });
    assert.deepEqual(meter.sample(3_000, 2, 20, 0), { files: 10, bytes: 0 });
  });
});
