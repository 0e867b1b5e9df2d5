import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RecordedState } from '../../../src/core/decide.js';
import { packState, unpackState } from '../../../src/state/pack.js';

describe('packed states', () => {
  const states: RecordedState[] = [
    { type: 'file', size: 0, mtimeNs: 0n, ino: 0n },
    { type: 'dir', size: 0, mtimeNs: 1_700_000_000_123_456_789n, ino: 12n },
    // Values around 10 base-36 digits, where unpacking changes method.
    { type: 'file', size: 36 ** 10 - 1, mtimeNs: 36n ** 10n - 1n, ino: 36n ** 10n },
    { type: 'file', size: 2 ** 53 - 1, mtimeNs: -1_000_000_001n, ino: 2n ** 64n - 1n },
    { type: 'file', size: 5, mtimeNs: 1n, ino: 7n, ctimeNs: 1_800_000_000_000_000_001n },
    { type: 'file', size: 200 << 20, mtimeNs: 3n, ino: 9n, ctimeNs: 4n, provisional: true },
  ];

  for (const state of states) {
    it(`round-trips ${JSON.stringify(state, (_, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v))}`, () => {
      const packed = packState(state);
      assert.ok(packed.length < 64, `${packed} fits a listpack value`);
      assert.deepEqual(unpackState(packed), state);
    });
  }

  it('keeps a provisional file apart from a confirmed one and from directories', () => {
    const provisional = packState({
      type: 'file',
      size: 1,
      mtimeNs: 2n,
      ino: 3n,
      provisional: true,
    });
    assert.equal(provisional[0], 'p');
    assert.equal(packState({ type: 'file', size: 1, mtimeNs: 2n, ino: 3n })[0], 'f');
  });

  it('refuses what it did not write', () => {
    assert.throws(() => unpackState('x1,2,3'));
    assert.throws(() => unpackState('f1,2'));
  });
});
