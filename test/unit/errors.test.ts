import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  answerCodeOf,
  clip,
  ERROR_CODES,
  IngestError,
  messageOf,
  type ErrorCode,
} from '../../src/errors.js';

describe('IngestError', () => {
  it('keeps its code, message and cause, and is named after its class', () => {
    const cause = new Error('low level');
    class SampleError extends IngestError {}
    const err = new SampleError('STATE_CORRUPT', 'doing a thing failed', { cause });
    assert.equal(err.code, 'STATE_CORRUPT');
    assert.equal(err.message, 'doing a thing failed');
    assert.equal(err.cause, cause);
    assert.equal(err.name, 'SampleError');
    assert.ok(err instanceof IngestError);
  });
});

describe('the error catalogue', () => {
  const codes = Object.keys(ERROR_CODES) as ErrorCode[];

  it('spells every code one way: upper snake case', () => {
    for (const code of codes) assert.match(code, /^[A-Z][A-Z0-9]*(_[A-Z0-9]+)*$/, code);
  });

  it('keeps the control API codes the README documents, each with its status', () => {
    const answers = Object.fromEntries(
      codes.flatMap((code) => {
        const entry: { status?: number; wire?: string } = ERROR_CODES[code];
        return entry.wire === undefined ? [] : [[entry.wire, entry.status]];
      }),
    );
    assert.deepEqual(answers, {
      'bad-request': 400,
      forbidden: 403,
      'read-only': 403,
      'not-found': 404,
      'method-not-allowed': 405,
      timeout: 408,
      conflict: 409,
      'too-large': 413,
      internal: 500,
      unavailable: 503,
    });
  });

  it('finds the code of a wire spelling, and none for an unknown one', () => {
    assert.equal(answerCodeOf('not-found'), 'NOT_FOUND');
    assert.equal(answerCodeOf('read-only'), 'READ_ONLY');
    assert.equal(answerCodeOf('NOT_FOUND'), undefined);
    assert.equal(answerCodeOf('teapot'), undefined);
  });
});

describe('clip', () => {
  it('keeps a short text, and cuts a long one to its length with the cut marked', () => {
    assert.equal(clip('short', 10), 'short');
    assert.equal(clip('0123456789', 10), '0123456789');
    assert.equal(clip('0123456789abc', 10), '012345678…');
  });

  it('never leaves half a surrogate pair at the cut', () => {
    const cut = clip(`${'a'.repeat(8)}😀 and more`, 10);
    assert.equal(cut, `${'a'.repeat(8)}…`);
    assert.equal(clip(`${'a'.repeat(7)}😀 and more`, 10), `${'a'.repeat(7)}😀…`);
  });
});

describe('messageOf', () => {
  it("is an Error's message, or the thrown value as text", () => {
    assert.equal(messageOf(new RangeError('out of range')), 'out of range');
    assert.equal(messageOf('plain words'), 'plain words');
    assert.equal(messageOf(42), '42');
    assert.equal(messageOf(undefined), 'undefined');
  });
});
