import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { encodeRelPath, type EntryType } from '../../../src/core/entry.js';
import { EntryWriter, PackedEntries } from '../../../src/sources/entry-codec.js';
import type { StatFacts } from '../../../src/sources/stat-facts.js';

const stats = (n: bigint): StatFacts => ({
  mode: 0o100644n,
  size: 10n * n,
  mtimeNs: 1_700_000_000_000_000_000n + n,
  ctimeNs: 1_700_000_000_000_000_000n + 2n * n,
  ino: 2n ** 40n + n,
  dev: 66n,
});

describe('a packed chunk', () => {
  const paths: (string | Uint8Array)[] = [
    'top',
    'dir/plain.dat',
    'dir/sub/ünïcode',
    Uint8Array.from([...Buffer.from('dir/'), 0xff, 0x41]),
    'dir/a name with spaces and a very long tail to pass thirteen characters',
    'x',
  ];

  function chunk() {
    const writer = new EntryWriter();
    paths.forEach((path, i) => {
      const type: EntryType = i === 1 ? 'dir' : 'file';
      writer.add(stats(BigInt(i + 1)), type, path, i === 5 ? Buffer.from('target') : undefined);
    });
    const packed = new PackedEntries(writer.take());
    return { entries: packed.decodeAll(), packed };
  }

  it('names each entry as encodeRelPath names its last element, where the name is ASCII', () => {
    const { entries, packed } = chunk();
    assert.equal(entries.length, paths.length);
    assert.equal(packed.length, paths.length);
    const names = entries.map((_, i) => packed.asciiName(i));
    assert.deepEqual(names, ['top', 'plain.dat', undefined, undefined, paths[4]!.slice(4), 'x']);
    entries.forEach((entry, i) => {
      const last = entry.relPath.subarray(entry.relPath.lastIndexOf(0x2f) + 1);
      if (names[i] !== undefined) assert.equal(names[i], encodeRelPath(last));
    });
  });

  it('reads the fields of each entry as the decoded entry has them', () => {
    const { entries, packed } = chunk();
    entries.forEach((entry, i) => {
      const fields = { ...packed.fields(i) };
      const join = (high: number, low: number) => (BigInt(high) << 32n) | BigInt(low);
      assert.equal(fields.type, entry.type);
      assert.equal(packed.type(i), entry.type);
      assert.equal(fields.size, entry.size);
      assert.equal(join(fields.mtimeHigh, fields.mtimeLow), entry.mtimeNs);
      assert.equal(join(fields.ctimeHigh, fields.ctimeLow), entry.ctimeNs);
      assert.equal(join(fields.inoHigh, fields.inoLow), entry.ino);
    });
  });
});
