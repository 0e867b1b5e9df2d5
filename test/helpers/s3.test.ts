import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { describe, it } from 'node:test';
import { startS3 } from './s3.js';

describe('the private s3rver test helper', () => {
  it('creates buckets, stores and returns objects, and removes its directory when stopped', async () => {
    const s3 = await startS3();
    try {
      await s3.createBucket('helper-bucket');
      await s3.putObject('helper-bucket', 'a dir/with + odd=name.txt', 'object bytes');
      assert.equal(
        (await s3.getObject('helper-bucket', 'a dir/with + odd=name.txt'))?.toString(),
        'object bytes',
      );
      assert.equal(await s3.getObject('helper-bucket', 'absent'), undefined);
      assert.match(await s3.irodsContext(), /^S3_DEFAULT_HOSTNAME=127\.0\.0\.1:\d+;S3_AUTH_FILE=/);
    } finally {
      await s3.stop();
    }
    assert.equal(existsSync(s3.dir), false);
    await assert.rejects(fetch(s3.endpoint), 'the server no longer answers');
  });
});
