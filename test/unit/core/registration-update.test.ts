import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { registrationUpdate } from '../../../src/core/registration-update.js';

const FILE = { size: 100, modifiedAt: 1_700_000_000 };
const SUM = 'sha2:n4bQgYhMfWWaL+qgxVrQFaO/TxsrC4Is0V1sFbDwCgg=';

describe('bringing a registration up to date', () => {
  it('sends nothing for a registration that describes the file (a retry after a lost answer)', () => {
    assert.equal(registrationUpdate({ ...FILE, checksum: SUM }, FILE, true), undefined);
    assert.equal(registrationUpdate({ ...FILE, checksum: '' }, FILE, false), undefined);
  });

  it('sends only the mtime, and clears the checksum, when only the mtime differs', () => {
    // The register went through, the mtime that follows it did not.
    const registeredAt = FILE.modifiedAt + 42;
    assert.deepEqual(
      registrationUpdate({ ...FILE, modifiedAt: registeredAt, checksum: SUM }, FILE, true),
      { modifiedAt: FILE.modifiedAt, checksum: '' },
    );
  });

  it('sends size, mtime and a cleared checksum for a file that changed', () => {
    assert.deepEqual(
      registrationUpdate({ size: 60, modifiedAt: FILE.modifiedAt - 5, checksum: SUM }, FILE, true),
      { size: 100, modifiedAt: FILE.modifiedAt, checksum: '' },
    );
    assert.deepEqual(
      registrationUpdate({ size: 60, modifiedAt: FILE.modifiedAt, checksum: '' }, FILE, false),
      { size: 100, checksum: '' },
    );
  });

  it('clears a checksum that looks current when no later step computes one', () => {
    // The same size and second can hide a rewrite: a checksum nobody recomputes must not stay.
    assert.deepEqual(registrationUpdate({ ...FILE, checksum: SUM }, FILE, false), {
      checksum: '',
    });
  });
});
