import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { redisRefusal } from '../../../src/state/redis-refusal.js';

describe('Redis refusing writes', () => {
  it('names the full memory of a script error, without where in the script it arose', () => {
    const error = new Error(
      "OOM command not allowed when used memory > 'maxmemory'. script: 7db5a22a6e750d74306f39354256bd23c9ec2ad2, on @user_script:85.",
    );
    assert.equal(
      redisRefusal(error),
      "Redis refuses writes (OOM command not allowed when used memory > 'maxmemory'): raise its maxmemory, or free memory in it",
    );
  });

  it('names a full disk and a replica, each with what to do', () => {
    const disk = new Error('MISCONF Errors writing to the AOF file: No space left on device');
    assert.match(redisRefusal(disk)!, /No space left on device\): is the disk .* full\?$/);
    const replica = new Error("READONLY You can't write against a read only replica.");
    assert.match(redisRefusal(replica)!, /redis\.url must lead to the primary/);
  });

  it("finds the refusal behind a transaction's EXECABORT", () => {
    const aborted = Object.assign(
      new Error('EXECABORT Transaction discarded because of previous errors.'),
      { previousErrors: [new Error("OOM command not allowed when used memory > 'maxmemory'.")] },
    );
    assert.match(redisRefusal(aborted)!, /^Redis refuses writes \(OOM .*'maxmemory'\): raise/);
  });

  it('is undefined for anything else', () => {
    assert.equal(redisRefusal(new Error('Connection is closed.')), undefined);
    assert.equal(redisRefusal(new Error('NOSCRIPT No matching script.')), undefined);
    assert.equal(redisRefusal('OOM as a string'), undefined);
    assert.equal(redisRefusal(undefined), undefined);
  });
});
