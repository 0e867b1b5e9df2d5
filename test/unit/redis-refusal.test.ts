import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ReplyError } from 'ioredis';
import { messageOf, redisRefusal } from '../../src/errors.js';

/** An error reply of Redis, as ioredis raises it (its types leave the class untyped). */
const reply = (text: string): Error => new (ReplyError as new (message: string) => Error)(text);

describe('Redis refusing writes', () => {
  it('names the full memory of a script error, without where in the script it arose', () => {
    const error = reply(
      "OOM command not allowed when used memory > 'maxmemory'. script: 7db5a22a6e750d74306f39354256bd23c9ec2ad2, on @user_script:85.",
    );
    assert.equal(
      redisRefusal(error),
      "Redis refuses writes (OOM command not allowed when used memory > 'maxmemory'): raise its maxmemory, or free memory in it",
    );
  });

  it('names a full disk and a replica, each with what to do', () => {
    const disk = reply('MISCONF Errors writing to the AOF file: No space left on device');
    assert.match(redisRefusal(disk)!, /No space left on device\): is the disk .* full\?$/);
    const replica = reply("READONLY You can't write against a read only replica.");
    assert.match(redisRefusal(replica)!, /redis\.url must lead to the primary/);
  });

  it("finds the refusal behind a transaction's EXECABORT", () => {
    const aborted = Object.assign(
      reply('EXECABORT Transaction discarded because of previous errors.'),
      {
        previousErrors: [reply("OOM command not allowed when used memory > 'maxmemory'.")],
      },
    );
    assert.match(redisRefusal(aborted)!, /^Redis refuses writes \(OOM .*'maxmemory'\): raise/);
  });

  it('is undefined for anything else, an error of ours that reads the same included', () => {
    assert.equal(redisRefusal(reply('NOSCRIPT No matching script.')), undefined);
    assert.equal(redisRefusal(new Error('Connection is closed.')), undefined);
    assert.equal(redisRefusal(new Error('OOM killer stopped the handler')), undefined);
    assert.equal(redisRefusal('OOM as a string'), undefined);
    assert.equal(redisRefusal(undefined), undefined);
  });

  it('is what messageOf says for such an error, wherever it is shown', () => {
    const error = reply("OOM command not allowed when used memory > 'maxmemory'.");
    assert.equal(messageOf(error), redisRefusal(error));
    assert.equal(
      messageOf(new Error('OOM killer stopped the handler')),
      'OOM killer stopped the handler',
    );
  });
});
