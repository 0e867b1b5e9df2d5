import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { registeredPathOf, registrationOf } from '../../../src/core/ownership.js';

describe('ownership of registered objects', () => {
  it('knows where the job registered a file', () => {
    assert.equal(registeredPathOf('/data/m1', Buffer.from('a/b.txt')), '/data/m1/a/b.txt');
    assert.equal(registeredPathOf('/', Buffer.from('a')), '/a');
    assert.equal(registeredPathOf('/data', Buffer.from([0x61, 0xff])), undefined);
  });

  it('unregisters only objects whose every replica the job registered', () => {
    const table: [string[], string][] = [
      [[], 'gone'],
      [['/data/m1/a.txt'], 'owned'],
      [['/data/m1/a.txt', '/data/m1/copy/a.txt'], 'owned'],
      [['/var/lib/irods/Vault/home/rods/a.txt', '/data/m1/a.txt'], 'foreign'],
      [['/home/alice/a.txt'], 'foreign'],
      [['/data/m1/other.txt'], 'foreign'],
      [['/data/m10/a.txt', '/data/m1/a.txt'], 'foreign'],
    ];
    for (const [replicas, expected] of table) {
      assert.equal(
        registrationOf('/data/m1', '/data/m1/a.txt', replicas),
        expected,
        replicas.join(),
      );
    }
    assert.equal(registrationOf('/data/m1', undefined, ['/data/m1/x']), 'foreign');
  });
});
