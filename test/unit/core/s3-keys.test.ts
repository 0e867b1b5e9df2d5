import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { encodeRelPath } from '../../../src/core/entry.js';
import { mapRelPath, unmapLogicalPath } from '../../../src/core/names.js';
import {
  escapeElement,
  etagFingerprint,
  keyOfRelPath,
  originalBytes,
  physicalPathOf,
  relPathOfKey,
  s3AddressOf,
  s3SourcePath,
} from '../../../src/core/s3-keys.js';

const target = '/tempZone/home/rods/s3';
const sha256Hex = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');
const text = (bytes: Uint8Array) => Buffer.from(bytes).toString('utf8');

describe('s3AddressOf', () => {
  const table: [string, string, string][] = [
    ['s3://bucket', 'bucket', ''],
    ['s3://bucket/run', 'bucket', 'run/'],
    ['s3://bucket/run/2024', 'bucket', 'run/2024/'],
    ['s3://bucket/run/', 'bucket', 'run/'],
  ];
  for (const [source, bucket, keyPrefix] of table) {
    it(`splits ${source}`, () => assert.deepEqual(s3AddressOf(source), { bucket, keyPrefix }));
  }
});

describe('keys map to relative paths and back, and nothing lands outside the target', () => {
  const table: [string, string, string][] = [
    // [what, relative key, expected logical path below the target]
    ['a plain key', 'run1/a.tif', 'run1/a.tif'],
    ['spaces, plus, percent, hash', 'a b/+%#.txt', 'a b/+%#.txt'],
    ['non-Latin scripts', 'données/日本語.txt', 'données/日本語.txt'],
    ['a control character', 'ctrl\u0001.txt', 'ctrl\u0001.txt'],
    ['a `..` element', '../escape.txt', 'irods_ingest_AC4u/escape.txt'],
    ['a `.` element', 'a/./b', 'a/irods_ingest_AC4/b'],
    ['an empty element from //', 'a//b', 'a/irods_ingest_AA/b'],
    ['a leading slash', '/etc/passwd', 'irods_ingest_AA/etc/passwd'],
    ['a trailing slash', 'dir/', 'dir/irods_ingest_AA'],
    ['only dots', '../../..', 'irods_ingest_AC4u/irods_ingest_AC4u/irods_ingest_AC4u'],
    ['a NUL at the start of an element', '\u0000x', 'irods_ingest_AAB4'],
    [
      'a 300-byte element',
      'x'.repeat(300),
      `irods_ingest_sha256_${sha256Hex(Buffer.from(`x`.repeat(300)))}`,
    ],
  ];
  for (const [what, key, logical] of table) {
    it(`maps ${what}`, () => {
      const relPath = relPathOfKey(key);
      assert.equal(keyOfRelPath(relPath), key, 'the key comes back');
      for (const element of text(relPath).split('/')) {
        assert.ok(!['', '.', '..'].includes(element), `element ${JSON.stringify(element)}`);
      }
      const mapped = mapRelPath(relPath, target, sha256Hex);
      assert.equal(mapped.logicalPath, `${target}/${logical}`);
      assert.ok(mapped.logicalPath.startsWith(`${target}/`));
      if (mapped.mapped) {
        // The original-name AVU holds the key itself, which the logical path maps back to.
        assert.equal(Buffer.from(mapped.originalB64!, 'base64').toString('utf8'), key);
        const back = unmapLogicalPath(mapped.logicalPath, target, mapped.originalB64);
        assert.equal(text(back!), key);
      }
    });
  }

  it('gives distinct paths to keys that differ only in their odd elements', () => {
    const keys = ['a/b', 'a//b', 'a/./b', 'a/../b', '/a/b', 'a/b/', '\u0000a/b', 'a/\u0000/b'];
    const paths = keys.map((key) => encodeRelPath(relPathOfKey(key)));
    assert.equal(new Set(paths).size, keys.length);
  });

  it('keeps an object and a directory of the same name apart (the directory is escaped)', () => {
    const dir = escapeElement('a', true);
    assert.notEqual(dir, escapeElement('a'));
    assert.equal(keyOfRelPath(Buffer.from(dir)), 'a');
    assert.equal(s3SourcePath('s3://bkt/p', Buffer.from(dir)), '/bkt/p/a/');
    assert.equal(s3SourcePath('s3://bkt/p', Buffer.from('a')), '/bkt/p/a');
  });

  it('leaves file system paths as they are (they hold no NUL)', () => {
    const path = Buffer.from('dir/file name.txt');
    assert.equal(originalBytes(path), path);
  });

  it('names the physical path /bucket/key', () => {
    assert.equal(
      physicalPathOf(s3AddressOf('s3://bkt/run'), relPathOfKey('x//y')),
      '/bkt/run/x//y',
    );
  });
});

describe('etagFingerprint', () => {
  it('ignores the quotes and tells different ETags apart', () => {
    const plain = etagFingerprint('"9dd4e461268c8034f5c8564e155c67a6"');
    assert.equal(plain, etagFingerprint('9dd4e461268c8034f5c8564e155c67a6'));
    assert.notEqual(plain, etagFingerprint('"9dd4e461268c8034f5c8564e155c67a6-3"'));
    assert.ok(plain >= 0n && plain < 2n ** 63n);
  });
});
