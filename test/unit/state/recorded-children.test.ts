import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { classifyChange, CHANGES, type RecordedState } from '../../../src/core/decide.js';
import { encodeRelPath, type ObservedEntry } from '../../../src/core/entry.js';
import { packState } from '../../../src/state/pack.js';
import { parseChildren, RecordedChildren } from '../../../src/state/recorded-children.js';

const file: RecordedState = {
  type: 'file',
  size: 10,
  mtimeNs: 1_733_400_000_123_456_789n,
  ino: 2n ** 60n + 7n,
  ctimeNs: 1_733_400_001_000_000_000n,
};
const observed = (state: RecordedState): ObservedEntry => ({
  relPath: new TextEncoder().encode('d/a'),
  type: state.type,
  size: state.size,
  mtimeNs: state.mtimeNs,
  ino: state.ino,
  ctimeNs: state.ctimeNs ?? file.ctimeNs!,
  dev: 1n,
  mode: 0o644,
});

describe('RecordedChildren', () => {
  it('holds an observation only when it is recorded exactly so, which classifyChange finds unchanged', () => {
    const variants: [string, RecordedState][] = [
      ['the same', file],
      ['provisional', { ...file, provisional: true }],
      ['recorded without a ctime', { ...file, ctimeNs: undefined }],
      ['another ctime', { ...file, ctimeNs: file.ctimeNs! + 1n }],
      ['another mtime', { ...file, mtimeNs: file.mtimeNs - 1n }],
      ['another inode', { ...file, ino: 3n }],
      ['another size', { ...file, size: 11 }],
      ['a directory', { type: 'dir', size: 0, mtimeNs: file.mtimeNs, ino: file.ino }],
    ];
    const seen = observed(file);
    for (const [why, recorded] of variants) {
      const packed = { ...recorded };
      if (packed.ctimeNs === undefined) delete packed.ctimeNs;
      const children = new RecordedChildren(new Map([['a', packState(packed)]]));
      const holds = children.holds('a', file);
      assert.equal(holds, why === 'the same', why);
      // Never in sync where the full comparison is not (a state without a ctime falls back to it).
      if (holds) assert.equal(classifyChange(seen, children.get('a')), CHANGES.unchanged, why);
    }
  });

  it('unpacks a state only for the name asked for, and knows its names', () => {
    const children = new RecordedChildren(
      new Map([
        ['a', packState(file)],
        ['b', 'not a packed state'],
      ]),
    );
    assert.deepEqual(children.get('a'), file);
    assert.equal(children.get('c'), undefined);
    assert.equal(children.holds('c', file), false);
    assert.deepEqual([...children.keys()], ['a', 'b']);
    assert.throws(() => children.get('b'), /not a packed state|corrupt/i);
  });

  it('parses pieces of a listing joined by slashes: plain ASCII as one string, others name by name', () => {
    const latin1 = Buffer.from([0x63, 0x61, 0x66, 0xe9]); // "café" in Latin-1, not UTF-8
    const utf8 = Buffer.from('café ✓', 'utf8');
    const joined = (...parts: Buffer[]) =>
      Buffer.concat(parts.flatMap((part, i) => (i === 0 ? [part] : [Buffer.from('/'), part])));
    const value = Buffer.from(packState(file), 'latin1');
    assert.deepEqual(parseChildren([]), new Map());
    assert.deepEqual(
      parseChildren([
        joined(Buffer.from('a b'), value, Buffer.from('line\nbreak'), value),
        joined(Buffer.from('c'), value),
      ]),
      new Map([
        ['a b', packState(file)],
        ['line\nbreak', packState(file)],
        ['c', packState(file)],
      ]),
    );
    assert.deepEqual(
      parseChildren([
        joined(latin1, value, Buffer.from('plain'), Buffer.from('d0,0,1'), utf8, value),
        Buffer.alloc(0),
        joined(Buffer.from('ascii'), value),
        // S3 keys' escaped elements (core/s3-keys.ts): a NUL first, maybe then what a tag begins with.
        joined(Buffer.from('\0a'), value, Buffer.from('\0b64:AAAA'), value),
      ]),
      new Map([
        [encodeRelPath(latin1), packState(file)],
        ['plain', 'd0,0,1'],
        ['café ✓', packState(file)],
        ['ascii', packState(file)],
        ['\0a', packState(file)],
        [encodeRelPath(Buffer.from('\0b64:AAAA')), packState(file)],
      ]),
    );
  });
});
