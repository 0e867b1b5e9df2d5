import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  decodeRelPath,
  displayRelPath,
  encodeRelPath,
  joinRelPath,
} from '../../../src/core/entry.js';

const bytes = (...values: number[]) => Uint8Array.from(values);
const utf8 = (text: string) => new TextEncoder().encode(text);

describe('relative path encoding', () => {
  const table: [string, Uint8Array][] = [
    ['plain ASCII', utf8('run1/a.tif')],
    ['non-Latin UTF-8', utf8('données/日本語.txt')],
    ['a plus and a space', utf8('a+b c.txt')],
    ['Latin-1 bytes that are not UTF-8', bytes(0x63, 0x61, 0x66, 0xe9)],
    ['a lone continuation byte', bytes(0x61, 0x80, 0x62)],
    ['the empty root path', bytes()],
    ['a name that begins with a byte order mark', utf8('\ufeffnotes.txt')],
    ['a long ASCII path', utf8(`${'d/'.repeat(700)}f.txt`)],
    ['a long path with a byte that is not UTF-8', bytes(...utf8('x'.repeat(2000)), 0xff)],
    // S3 keys' escaped elements begin with a NUL (core/s3-keys.ts): one may begin as a tag does.
    ['an escaped S3 element', utf8('\u0000a/b')],
    ['an escaped S3 element that begins as a tag', utf8('\u0000b64:AAAA/b')],
  ];
  for (const [what, path] of table) {
    it(`gives the same bytes back for ${what}`, () => {
      assert.deepEqual(decodeRelPath(encodeRelPath(path)), path);
    });
  }

  it('keeps valid UTF-8 readable and tags everything else', () => {
    assert.equal(encodeRelPath(utf8('a/b.txt')), 'a/b.txt');
    assert.equal(encodeRelPath(utf8('\ufeffa/b.txt')), '\ufeffa/b.txt');
    const long = `${'dir/'.repeat(500)}f.txt`;
    assert.equal(encodeRelPath(utf8(long)), long);
    assert.ok(encodeRelPath(bytes(0xff)).startsWith('\u0000b64:'));
    assert.equal(encodeRelPath(utf8('\u0000a/b')), '\u0000a/b');
  });

  it('shows invalid bytes as \\xHH for people', () => {
    assert.equal(displayRelPath(bytes(0x63, 0x61, 0x66, 0xe9)), 'caf\\xe9');
    assert.equal(displayRelPath(utf8('été')), 'été');
  });

  it('joins a name under the root and under a directory', () => {
    assert.deepEqual(joinRelPath(bytes(), utf8('a')), utf8('a'));
    assert.deepEqual(joinRelPath(utf8('d/e'), utf8('a')), utf8('d/e/a'));
  });
});
