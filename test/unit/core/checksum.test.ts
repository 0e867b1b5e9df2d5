import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compareChecksums, sha2Checksum } from '../../../src/core/checksum.js';

describe('compareChecksums', () => {
  const local = sha2Checksum('EweZDmulyhRes16ZGCqb7EZTG8VN32VqYCx4D6AkDe4=');

  it('matches the same sha2 value', () => {
    assert.equal(local, 'sha2:EweZDmulyhRes16ZGCqb7EZTG8VN32VqYCx4D6AkDe4=');
    assert.equal(compareChecksums(local, local), 'match');
  });

  it('reports a different sha2 value as a mismatch', () => {
    assert.equal(
      compareChecksums('sha2:YIoGizPRi+g4vLB77QHjVSHTCED6JNsJGS5nv9GG5iE=', local),
      'mismatch',
    );
  });

  it('cannot compare a missing or MD5 checksum', () => {
    assert.equal(compareChecksums('', local), 'incomparable');
    assert.equal(compareChecksums('1e50210a0202497fb79bc38b6ade6c34', local), 'incomparable');
  });
});
