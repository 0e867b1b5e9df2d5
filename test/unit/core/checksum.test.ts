import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import {
  checksumScheme,
  compareChecksums,
  irodsChecksumOf,
  sha2Checksum,
} from '../../../src/core/checksum.js';

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

  it('cannot compare a missing checksum, or checksums of two schemes', () => {
    assert.equal(compareChecksums('', local), 'incomparable');
    assert.equal(compareChecksums('1e50210a0202497fb79bc38b6ade6c34', local), 'incomparable');
    assert.equal(compareChecksums(local, '1e50210a0202497fb79bc38b6ade6c34'), 'incomparable');
  });

  it('compares MD5 checksums of an MD5 zone', () => {
    const some = '1e50210a0202497fb79bc38b6ade6c34';
    assert.equal(compareChecksums(some, some), 'match');
    assert.equal(compareChecksums(some, 'e97b0142dc390d6bfb5a6bbf53535816'), 'mismatch');
  });
});

describe('checksumScheme and irodsChecksumOf', () => {
  // 'some data' (irods-http-api.md §5.2.10) and its MD5, as `md5sum` prints it.
  const sha256 = createHash('sha256').update('some data').digest();
  const md5 = createHash('md5').update('some data').digest();

  it('writes a SHA-256 digest the way iRODS does', () => {
    assert.equal(
      irodsChecksumOf('sha256', sha256),
      'sha2:EweZDmulyhRes16ZGCqb7EZTG8VN32VqYCx4D6AkDe4=',
    );
  });

  it('writes an MD5 digest as 32 lowercase hex digits, as an MD5 zone does', () => {
    assert.equal(irodsChecksumOf('md5', md5), '1e50210a0202497fb79bc38b6ade6c34');
  });

  it('reads the scheme off the checksum', () => {
    assert.equal(checksumScheme('sha2:EweZDmulyhRes16ZGCqb7EZTG8VN32VqYCx4D6AkDe4='), 'sha256');
    assert.equal(checksumScheme('1e50210a0202497fb79bc38b6ade6c34'), 'md5');
  });

  it('knows no scheme for no checksum or one it cannot reproduce', () => {
    for (const value of ['', 'sha512:abc', '1E50210A0202497FB79BC38B6ADE6C34', 'abc']) {
      assert.equal(checksumScheme(value), undefined, value);
    }
  });
});
