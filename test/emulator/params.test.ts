import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseMultipart, parseUrlEncoded, stoi, stoll } from './params.js';

const text = (params: Map<string, Buffer>) =>
  Object.fromEntries([...params].map(([key, value]) => [key, value.toString('utf8')]));

describe('urlencoded splitter (spec §1.3)', () => {
  it('percent-decodes values and then turns every + into a space, %2B included', () => {
    assert.deepEqual(text(parseUrlEncoded('lpath=%2Fa%2Bb+c&x=1%2B1')), {
      lpath: '/a b c',
      x: '1 1',
    });
  });

  it('does not decode keys', () => {
    assert.deepEqual(text(parseUrlEncoded('a%20b=1')), { 'a%20b': '1' });
  });

  it('gives a key without = an empty value', () => {
    assert.deepEqual(text(parseUrlEncoded('recurse&op=list')), { recurse: '', op: 'list' });
  });

  it('silently drops a pair with a raw = in its value', () => {
    assert.deepEqual(text(parseUrlEncoded('op=stat&lpath=/a=b&x=1')), { op: 'stat', x: '1' });
  });

  it('keeps the last of repeated keys', () => {
    assert.deepEqual(text(parseUrlEncoded('op=a&op=b')), { op: 'b' });
  });

  it('decodes UTF-8 byte escapes and keeps malformed escapes literally', () => {
    assert.deepEqual(text(parseUrlEncoded('p=%C3%A9t%C3%A9&q=100%&r=%zz')), {
      p: 'été',
      q: '100%',
      r: '%zz',
    });
  });

  it('yields nothing for an empty string', () => {
    assert.equal(parseUrlEncoded('').size, 0);
  });
});

describe('multipart parser', () => {
  const boundary = 'XyZ';
  const body = (parts: string[]) =>
    Buffer.from(
      `${parts.map((p) => `--${boundary}\r\n${p}\r\n`).join('')}--${boundary}--\r\n`,
      'latin1',
    );

  it('reads quoted and unquoted names and keeps values verbatim, CRLF and + included', () => {
    const parsed = parseMultipart(
      body([
        'Content-Disposition: form-data; name="op"\r\n\r\nwrite',
        'Content-Disposition: form-data; name=lpath\r\n\r\n/a+b%20c',
        'Content-Disposition: form-data; name="bytes"; filename="x"\r\nContent-Type: text/plain\r\n\r\nline1\r\nline2\r\n',
      ]),
      boundary,
    );
    assert.deepEqual(text(parsed), { op: 'write', lpath: '/a+b%20c', bytes: 'line1\r\nline2\r\n' });
  });

  it('is binary-safe', () => {
    const payload = Buffer.from([0, 255, 13, 10, 45, 45, 1]);
    const raw = Buffer.concat([
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="bytes"\r\n\r\n`),
      payload,
      Buffer.from(`\r\n--${boundary}--\r\n`),
    ]);
    assert.deepEqual(parseMultipart(raw, boundary).get('bytes'), payload);
  });

  it('rejects a body without its boundary', () => {
    assert.throws(() => parseMultipart(Buffer.from('op=write'), boundary), {
      code: 'MULTIPART_MALFORMED',
    });
  });
});

describe('C++ integer parsing', () => {
  it('accepts leading whitespace and a sign, and ignores trailing junk', () => {
    assert.equal(stoi('  -12abc'), -12);
    assert.equal(stoi('+7'), 7);
    assert.equal(stoll('12abc'), 12n);
  });

  it('fails without digits', () => {
    for (const bad of ['', 'abc', ' ', '-', 'x12', '- 1']) assert.equal(stoi(bad), undefined, bad);
  });

  it('limits stoi to 32 bits and stoll to 64 bits', () => {
    assert.equal(stoi('2147483647'), 2147483647);
    assert.equal(stoi('2147483648'), undefined);
    assert.equal(stoi('-2147483648'), -2147483648);
    assert.equal(stoll('9223372036854775807'), 9223372036854775807n);
    assert.equal(stoll('9223372036854775808'), undefined);
  });
});
