import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import {
  mapRelPath,
  MAX_LOGICAL_PATH_BYTES,
  unmapLogicalPath,
  UnmappablePathError,
} from '../../../src/core/names.js';

const target = '/tempZone/home/rods/job';
const utf8 = (text: string) => new TextEncoder().encode(text);
const bytes = (...values: number[]) => Uint8Array.from(values);
const concat = (...parts: Uint8Array[]) => Uint8Array.from(parts.flatMap((part) => [...part]));
const b64 = (data: Uint8Array) => Buffer.from(data).toString('base64');
const b64url = (data: Uint8Array) => Buffer.from(data).toString('base64url');
const sha256Hex = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');
const digestName = (data: Uint8Array) => `irods_ingest_sha256_${sha256Hex(data)}`;
const byteLength = (text: string) => Buffer.byteLength(text, 'utf8');

describe('mapRelPath keeps every name iRODS can hold byte for byte', () => {
  const table: [string, string][] = [
    ['a plain path', 'run1/a.tif'],
    ['spaces', 'my run/file name.txt'],
    ['a plus', 'a+b/c+d.txt'],
    ['quotes', `it's "quoted"`],
    ['# % & = ;', 'a#b%c&d=e;f'],
    ['a tab', 'a\tb'],
    ['CR and LF', 'line\r\nbreak'],
    ['a trailing space', 'ends with space '],
    ['non-Latin scripts', 'données/日本語/Ελληνικά.txt'],
    ['an emoji', '🧪/sample.txt'],
    ['the mapped prefix in a name that cannot be a mapped form', 'irods_ingest_notes.txt'],
    ['a 255-byte element', 'x'.repeat(255)],
  ];
  for (const [what, path] of table) {
    it(`keeps ${what}`, () => {
      assert.deepEqual(mapRelPath(utf8(path), target, sha256Hex), {
        logicalPath: `${target}/${path}`,
        mapped: false,
      });
    });
  }

  it('gives the target itself for the root', () => {
    assert.deepEqual(mapRelPath(bytes(), target, sha256Hex), {
      logicalPath: target,
      mapped: false,
    });
  });
});

describe('mapRelPath maps the names iRODS cannot hold', () => {
  const latin1 = bytes(0x63, 0x61, 0x66, 0xe9); // "café" in Latin-1: not UTF-8
  const looksLikeDigest = Buffer.from('sha256_A', 'base64url'); // not UTF-8 either
  const table: [string, Uint8Array, string][] = [
    ['a Latin-1 name', latin1, `irods_ingest_${b64url(latin1)}`],
    ['a lone continuation byte', bytes(0x61, 0x80), `irods_ingest_${b64url(bytes(0x61, 0x80))}`],
    ['an encoded surrogate', bytes(0xed, 0xa0, 0x80), 'irods_ingest_7aCA'],
    ['a NUL', bytes(0x61, 0x00), `irods_ingest_${b64url(bytes(0x61, 0x00))}`],
    [
      'a real name shaped like a mapped one',
      utf8('irods_ingest_Y2Fm6Q'),
      'irods_ingest_aXJvZHNfaW5nZXN0X1kyRm02UQ',
    ],
    [
      'a real name shaped like a digest',
      utf8(digestName(latin1)),
      `irods_ingest_${b64url(utf8(digestName(latin1)))}`,
    ],
    [
      'a 181-byte non-UTF-8 name (its base64url form is 255 bytes)',
      new Uint8Array(181).fill(0xff),
      `irods_ingest_${b64url(new Uint8Array(181).fill(0xff))}`,
    ],
    [
      'a 182-byte non-UTF-8 name (its base64url form would be 256 bytes)',
      new Uint8Array(182).fill(0xff),
      digestName(new Uint8Array(182).fill(0xff)),
    ],
    ['a 256-byte name', utf8('y'.repeat(256)), digestName(utf8('y'.repeat(256)))],
    ['a 300-byte name', utf8('z'.repeat(300)), digestName(utf8('z'.repeat(300)))],
    [
      '100 characters that are 300 bytes',
      utf8('日'.repeat(100)),
      digestName(utf8('日'.repeat(100))),
    ],
    ['a name whose base64url starts like a digest', looksLikeDigest, digestName(looksLikeDigest)],
  ];
  for (const [what, element, expected] of table) {
    it(`maps ${what}`, () => {
      const relPath = concat(utf8('dir/'), element);
      assert.deepEqual(mapRelPath(relPath, target, sha256Hex), {
        logicalPath: `${target}/dir/${expected}`,
        mapped: true,
        originalB64: b64(relPath),
      });
    });
  }

  it('maps S3-style empty, "." and ".." elements', () => {
    const relPath = utf8('a//./../b');
    const result = mapRelPath(relPath, target, sha256Hex);
    assert.equal(
      result.logicalPath,
      `${target}/a/irods_ingest_/irods_ingest_Lg/irods_ingest_Li4/b`,
    );
    assert.deepEqual(unmapLogicalPath(result.logicalPath, target), relPath);
  });

  it('maps a directory and keeps the names below it', () => {
    const relPath = concat(latin1, utf8('/raw data/a+b.txt'));
    assert.deepEqual(mapRelPath(relPath, target, sha256Hex), {
      logicalPath: `${target}/irods_ingest_${b64url(latin1)}/raw data/a+b.txt`,
      mapped: true,
      originalB64: b64(relPath),
    });
  });
});

describe('mapRelPath within the logical path limit', () => {
  const names = (...parts: string[]) => utf8(parts.join('/'));
  const d240 = 'd'.repeat(240);

  it('shortens an element that would pass the limit, and keeps those after it that fit', () => {
    // 23 + 4 * 241 = 987 bytes; 200 more would pass 1087, its 84-byte digest form fits.
    const result = mapRelPath(
      names(d240, d240, d240, d240, 'e'.repeat(200), 'f.txt'),
      target,
      sha256Hex,
    );
    const elements = result.logicalPath.slice(target.length + 1).split('/');
    assert.deepEqual(elements, [
      d240,
      d240,
      d240,
      d240,
      digestName(utf8('e'.repeat(200))),
      'f.txt',
    ]);
    assert.equal(byteLength(result.logicalPath), 1078);
    assert.equal(result.mapped, true);
  });

  const longPaths: [string, Uint8Array][] = [
    ['one shortened for the path limit', names(d240, d240, d240, d240, 'e'.repeat(200), 'f.txt')],
    ['one shortened for the element limit', names('y'.repeat(300), d240, d240, d240, 'f.txt')],
    ['a non-UTF-8 one', concat(new Uint8Array(150).fill(0xff), names('', d240, d240, d240, 'f'))],
  ];
  for (const [what, relPath] of longPaths) {
    it(`gives a directory the prefix of its children's paths: ${what}`, () => {
      let previous = target;
      for (let end = 1; end <= relPath.length; end++) {
        if (end < relPath.length && relPath[end] !== 0x2f) continue;
        const { logicalPath } = mapRelPath(relPath.subarray(0, end), target, sha256Hex);
        assert.ok(logicalPath.startsWith(`${previous}/`), `${logicalPath} under ${previous}`);
        assert.ok(byteLength(logicalPath) <= MAX_LOGICAL_PATH_BYTES);
        previous = logicalPath;
      }
    });
  }

  it('counts bytes, not characters', () => {
    const wide = '日'.repeat(80); // 240 bytes
    const result = mapRelPath(utf8([wide, wide, wide, wide, wide].join('/')), target, sha256Hex);
    assert.ok(byteLength(result.logicalPath) <= MAX_LOGICAL_PATH_BYTES);
    assert.equal(result.logicalPath.split('/').at(-1), digestName(utf8(wide)));
  });

  it('fits exactly 1087 bytes', () => {
    // 23 + 5 * 201 = 1028 bytes, and a 58-byte name after them.
    const f200 = 'f'.repeat(200);
    const result = mapRelPath(
      names(f200, f200, f200, f200, f200, 'e'.repeat(58)),
      target,
      sha256Hex,
    );
    assert.equal(byteLength(result.logicalPath), MAX_LOGICAL_PATH_BYTES);
    assert.equal(result.mapped, false);
  });

  it('refuses a path whose last name, even shortened, passes the limit', () => {
    const f200 = 'f'.repeat(200);
    assert.throws(
      () => mapRelPath(names(f200, f200, f200, f200, f200, 'e'.repeat(59)), target, sha256Hex),
      UnmappablePathError,
    );
  });

  it('refuses a path of short names that no shortening can fit', () => {
    const relPath = utf8(Array<string>(120).fill('short1234').join('/'));
    assert.throws(
      () => mapRelPath(relPath, target, sha256Hex),
      (error: unknown) =>
        error instanceof UnmappablePathError &&
        error.code === 'UNMAPPABLE_PATH' &&
        error.target === target &&
        error.message.includes('1087'),
    );
  });

  it('refuses a target that is itself too long', () => {
    assert.throws(
      () => mapRelPath(utf8('a'), `/${'t'.repeat(1087)}`, sha256Hex),
      UnmappablePathError,
    );
  });
});

describe('unmapLogicalPath', () => {
  const paths: [string, Uint8Array][] = [
    ['a kept path', utf8('run1/a b+c.txt')],
    ['the root', bytes()],
    ['a Latin-1 directory and file', bytes(0x63, 0xe9, 0x2f, 0x66, 0xe9)],
    ['a lookalike name', utf8('irods_ingest_Y2Fm6Q/x')],
    ['a 181-byte non-UTF-8 name', new Uint8Array(181).fill(0xfe)],
  ];
  for (const [what, relPath] of paths) {
    it(`gives back ${what} from the logical path alone`, () => {
      const { logicalPath } = mapRelPath(relPath, target, sha256Hex);
      assert.deepEqual(unmapLogicalPath(logicalPath, target), relPath);
    });
  }

  it('needs the original-name AVU to reverse a digest, and is exact with it', () => {
    const relPath = utf8(`a/${'z'.repeat(300)}`);
    const result = mapRelPath(relPath, target, sha256Hex);
    assert.equal(unmapLogicalPath(result.logicalPath, target), undefined);
    assert.deepEqual(unmapLogicalPath(result.logicalPath, target, result.originalB64), relPath);
  });

  it('has no answer for a path outside the target', () => {
    assert.equal(unmapLogicalPath('/tempZone/home/rods/other/a', target), undefined);
    assert.equal(unmapLogicalPath(`${target}x/a`, target), undefined);
  });

  it('maps distinct source paths to distinct logical paths', () => {
    const tricky = [
      utf8('caf'),
      bytes(0x63, 0x61, 0x66, 0xe9),
      utf8(`irods_ingest_${b64url(bytes(0x63, 0x61, 0x66, 0xe9))}`),
      utf8('irods_ingest_'),
      bytes(),
      utf8('a/'),
      utf8('a'),
      utf8('.'),
      utf8('irods_ingest_Lg'),
      utf8('y'.repeat(256)),
      utf8(digestName(utf8('y'.repeat(256)))),
    ];
    const logical = new Set(tricky.map((path) => mapRelPath(path, target, sha256Hex).logicalPath));
    assert.equal(logical.size, tricky.length);
  });
});
