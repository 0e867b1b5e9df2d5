import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { multipartBody } from '../../../src/irods/multipart.js';

/** The parts of a multipart body, split on its boundary as a server does. */
function partsOf(body: Buffer, contentType: string): [string, Buffer][] {
  const boundary = /boundary=(.+)$/.exec(contentType)![1]!;
  const text = body.toString('latin1');
  assert.ok(text.endsWith(`--${boundary}--\r\n`));
  return text
    .slice(0, -`--${boundary}--\r\n`.length)
    .split(`--${boundary}\r\n`)
    .slice(1)
    .map((part) => {
      const headerEnd = part.indexOf('\r\n\r\n');
      const name = /name="([^"]+)"/.exec(part.slice(0, headerEnd))![1]!;
      return [name, Buffer.from(part.slice(headerEnd + 4, -2), 'latin1')];
    });
}

describe('multipartBody', () => {
  it('carries every value verbatim, in order: CRLF, plus signs, multi-byte text, raw bytes', () => {
    const binary = Buffer.from([0, 0xff, 0x0d, 0x0a, 0x2d, 0x2d]);
    const { body, contentType } = multipartBody([
      ['op', 'register'],
      ['lpath', '/tempZone/home/rods/a+b\r\nc.txt'],
      ['value', 'Größe – データ 🧪'],
      ['bytes', binary],
    ]);
    assert.match(
      contentType,
      /^multipart\/form-data; boundary=irods-ingest-[0-9a-f]{16}-[0-9a-z]+$/,
    );
    assert.deepEqual(partsOf(body, contentType), [
      ['op', Buffer.from('register')],
      ['lpath', Buffer.from('/tempZone/home/rods/a+b\r\nc.txt')],
      ['value', Buffer.from('Größe – データ 🧪')],
      ['bytes', binary],
    ]);
    assert.equal(body.length, body.lastIndexOf('--\r\n') + 4, 'nothing after the closing line');
  });

  it('never uses a boundary that occurs in a value', () => {
    for (let i = 0; i < 50; i++) {
      const { body, contentType } = multipartBody([['v', 'irods-ingest-']]);
      const boundary = /boundary=(.+)$/.exec(contentType)![1]!;
      assert.equal(body.toString().split(boundary).length, 3);
    }
  });
});
