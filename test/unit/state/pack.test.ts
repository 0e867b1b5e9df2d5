import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RecordedState } from '../../../src/core/decide.js';
import type { StateFields } from '../../../src/core/entry.js';
import { packedEquals, packFields, packState, unpackState } from '../../../src/state/pack.js';

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

  describe("compared with an observation's fields", () => {
    /** The fields of `state` as the entry codec reads them: unsigned 32-bit halves. */
    function fieldsOf(state: RecordedState): StateFields {
      const halves = (value: bigint) => {
        const unsigned = BigInt.asUintN(64, value);
        return [Number(unsigned >> 32n), Number(unsigned & 0xffffffffn)] as const;
      };
      const [mtimeHigh, mtimeLow] = halves(state.mtimeNs);
      const [ctimeHigh, ctimeLow] = halves(state.ctimeNs ?? 0n);
      const [inoHigh, inoLow] = halves(state.ino);
      return {
        type: state.type,
        size: state.size,
        mtimeHigh,
        mtimeLow,
        ctimeHigh,
        ctimeLow,
        inoHigh,
        inoLow,
      };
    }
    /** A directory's observation packs without its ctime, a file's with it (stateOf). */
    const observed = (state: RecordedState): RecordedState =>
      state.type === 'dir'
        ? { type: 'dir', size: 0, mtimeNs: state.mtimeNs, ino: state.ino }
        : { ...state, ctimeNs: state.ctimeNs ?? 0n };

    const edges = [
      0n,
      1n,
      35n,
      36n,
      36n ** 6n - 1n,
      36n ** 6n,
      36n ** 6n + 1n,
      2n ** 32n - 1n,
      2n ** 32n,
      36n ** 7n,
      2n ** 53n - 1n,
      2n ** 53n + 1n,
      1_700_000_000_123_456_789n,
      2n ** 63n - 1n,
    ];
    let seed = 7;
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return BigInt(seed);
    };
    const values = [...edges, ...Array.from({ length: 300 }, () => (random() << 32n) | random())];

    it('agrees with packState on files and directories, times and inodes of any size', () => {
      for (const [i, value] of values.entries()) {
        const other = values[(i * 7 + 3) % values.length]!;
        for (const state of [
          { type: 'file', size: i * 1013, mtimeNs: value, ino: other, ctimeNs: value ^ 5n },
          { type: 'dir', size: 0, mtimeNs: other, ino: value },
        ] satisfies RecordedState[]) {
          const fields = fieldsOf(state);
          assert.equal(packedEquals(packState(observed(state)), fields), true, packState(state));
          // One unit off in any field is another state.
          for (const key of ['mtimeNs', 'ino', 'ctimeNs'] as const) {
            const changed = { ...observed(state), [key]: (state[key] ?? 0n) + 1n };
            if (changed[key]! >= 2n ** 63n) continue;
            assert.equal(
              packedEquals(packState(changed), fields),
              false,
              `${key} of ${packState(state)}`,
            );
          }
          const bigger = { ...observed(state), size: state.size + 1 };
          assert.equal(packedEquals(packState(bigger), fields), false);
        }
      }
    });

    it('tells a file from a directory, a provisional file, and a file without its ctime', () => {
      const file: RecordedState = { type: 'file', size: 3, mtimeNs: 4n, ino: 5n, ctimeNs: 6n };
      const fields = fieldsOf(file);
      assert.equal(packedEquals(packState(file), fields), true);
      assert.equal(packedEquals(packState({ ...file, provisional: true }), fields), false);
      assert.equal(packedEquals(packState({ ...file, ctimeNs: undefined }), fields), false);
      assert.equal(packedEquals(packState({ ...file, type: 'dir' }), fields), false);
      assert.equal(
        packedEquals(packState({ ...file, ctimeNs: undefined }), { ...fields, type: 'dir' }),
        false,
      );
    });

    it('takes only what packState writes: no leading zero, no other character', () => {
      const fields = fieldsOf({ type: 'file', size: 1, mtimeNs: 36n, ino: 2n, ctimeNs: 3n });
      assert.equal(packedEquals('f1,10,2,3', fields), true);
      for (const packed of [
        'f01,10,2,3',
        'f1,010,2,3',
        'f1,10,02,3',
        'f1,10,2,03',
        'f1,1A,2,3',
        'f1,10,2',
        'f1,10,2,3,4',
        'f1,10',
        'f',
        '',
      ]) {
        assert.equal(packedEquals(packed, fields), false, packed);
      }
    });

    it('packs fields as packState packs the observation, times and inodes of any size', () => {
      const sizes = [0, 1, 35, 36, 36 ** 6, 2 ** 32 - 1, 2 ** 32, 2 ** 53 - 1, 123_456_789];
      for (const [i, value] of values.entries()) {
        const other = values[(i * 11 + 5) % values.length]!;
        for (const state of [
          {
            type: 'file',
            size: sizes[i % sizes.length]!,
            mtimeNs: value,
            ino: other,
            ctimeNs: value ^ 9n,
          },
          { type: 'dir', size: 0, mtimeNs: other, ino: value },
        ] satisfies RecordedState[]) {
          assert.equal(packFields(fieldsOf(state)), packState(observed(state)));
        }
      }
    });

    it('leaves negative times and inodes from 2^63 on to packState', () => {
      for (const state of [
        { type: 'file', size: 1, mtimeNs: -1_000_000_001n, ino: 2n, ctimeNs: 3n },
        { type: 'file', size: 1, mtimeNs: 1n, ino: 2n ** 64n - 1n, ctimeNs: 3n },
        { type: 'file', size: 1, mtimeNs: 1n, ino: 2n, ctimeNs: -3n },
      ] satisfies RecordedState[]) {
        assert.equal(packedEquals(packState(state), fieldsOf(state)), false);
        assert.equal(packFields(fieldsOf(state)), undefined);
      }
    });
  });
});
