import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RecordedState } from '../../../src/core/decide.js';
import {
  EVIDENCE_SAMPLE,
  evidenceSample,
  provesDirectoryRename,
  sameEntry,
  type ChildEvidence,
} from '../../../src/core/rename-evidence.js';

const file = (ino: bigint, size = 10, mtimeNs = 5n): RecordedState => ({
  type: 'file',
  ino,
  size,
  mtimeNs,
});
const dir = (ino: bigint): RecordedState => ({ type: 'dir', ino, size: 0, mtimeNs: 1n });
const same = (recorded: RecordedState): ChildEvidence => ({ recorded, seen: { ...recorded } });
const missing = (recorded: RecordedState): ChildEvidence => ({ recorded, seen: undefined });

describe('rename evidence', () => {
  it('matches a file by inode, size and mtime, a directory by inode', () => {
    assert.equal(sameEntry(file(7n), { type: 'file', ino: 7n, size: 10, mtimeNs: 5n }), true);
    assert.equal(sameEntry(file(7n), { type: 'file', ino: 7n, size: 10, mtimeNs: 6n }), false);
    assert.equal(sameEntry(file(7n), { type: 'file', ino: 7n, size: 11, mtimeNs: 5n }), false);
    assert.equal(sameEntry(file(7n), { type: 'file', ino: 8n, size: 10, mtimeNs: 5n }), false);
    assert.equal(sameEntry(file(0n), { type: 'file', ino: 0n, size: 10, mtimeNs: 5n }), false);
    assert.equal(sameEntry(dir(7n), { type: 'dir', ino: 7n, size: 0, mtimeNs: 9n }), true);
    assert.equal(sameEntry(dir(7n), { type: 'file', ino: 7n, size: 0, mtimeNs: 1n }), false);
  });

  it('proves a directory rename only with its recorded children found in the new one', () => {
    const table: [string, ChildEvidence[], boolean][] = [
      ['no recorded children', [], false],
      ['every child there', [same(file(1n)), same(file(2n)), same(dir(3n))], true],
      ['half of them, a file among them', [same(file(1n)), missing(file(2n))], true],
      ['less than half', [same(file(1n)), missing(file(2n)), missing(file(3n))], false],
      [
        'a reused inode: a new file of the same name and inode, written later',
        [
          { recorded: file(1n), seen: { type: 'file', ino: 1n, size: 10, mtimeNs: 99n } },
          missing(file(2n)),
        ],
        false,
      ],
      ['only directories matched, while it had files', [same(dir(1n)), missing(file(2n))], false],
      ['only directories, all there', [same(dir(1n)), same(dir(2n))], true],
      ['only directories, one missing', [same(dir(1n)), same(dir(2n)), missing(dir(3n))], false],
    ];
    for (const [what, children, proves] of table) {
      assert.equal(provesDirectoryRename(children), proves, what);
    }
  });

  it('looks at files first, at most EVIDENCE_SAMPLE children', () => {
    const children = [
      ...Array.from({ length: 40 }, (_, i) => ({ name: `d${i}`, state: dir(BigInt(i)) })),
      { name: 'f', state: file(100n) },
    ];
    const sample = evidenceSample(children);
    assert.equal(sample.length, EVIDENCE_SAMPLE);
    assert.equal(sample[0]?.name, 'f');
  });
});
