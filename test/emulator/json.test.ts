import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sortedJson } from './json.js';

describe('sorted compact JSON (spec §1.5)', () => {
  it('sorts keys at every level and leaves no whitespace', () => {
    assert.equal(
      sortedJson({
        size: 1,
        irods_response: { status_message: 'm', status_code: -1 },
        checksum: '',
      }),
      '{"checksum":"","irods_response":{"status_code":-1,"status_message":"m"},"size":1}',
    );
  });

  it('sorts inside arrays of objects and keeps array order', () => {
    assert.equal(sortedJson([{ b: 1, a: 2 }, null, 'x']), '[{"a":2,"b":1},null,"x"]');
  });

  it('orders keys by UTF-8 bytes, so uppercase before underscore before lowercase', () => {
    assert.equal(sortedJson({ a: 1, _: 2, B: 3, é: 4 }), '{"B":3,"_":2,"a":1,"é":4}');
  });

  it('leaves out undefined members', () => {
    assert.equal(sortedJson({ a: undefined, b: null }), '{"b":null}');
  });
});
