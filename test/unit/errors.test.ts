import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { IngestError } from '../../src/errors.js';

describe('IngestError', () => {
  it('keeps its code, message and cause, and is named after its class', () => {
    const cause = new Error('low level');
    class SampleError extends IngestError {}
    const err = new SampleError('SAMPLE', 'doing a thing failed', { cause });
    assert.equal(err.code, 'SAMPLE');
    assert.equal(err.message, 'doing a thing failed');
    assert.equal(err.cause, cause);
    assert.equal(err.name, 'SampleError');
    assert.ok(err instanceof IngestError);
  });
});
