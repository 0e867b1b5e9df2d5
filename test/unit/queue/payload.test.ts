import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { encodeRelPath } from '../../../src/core/entry.js';
import { BATCH_BYTES, batchesFor } from '../../../src/queue/payload.js';

describe('batchesFor', () => {
  const job = { name: 'j', filesPerTask: 2 };

  it('never lets a batch span two directories and caps it at files_per_task', () => {
    const batches = batchesFor('sync', job, 3, ['a/1', 'b/1', 'a/2', 'a/3', 'top']);
    assert.deepEqual(
      batches.map((batch) => batch.paths),
      [['a/1', 'a/2'], ['a/3'], ['b/1'], ['top']],
    );
    assert.ok(batches.every((b) => b.kind === 'sync' && b.pass === 3 && b.attempt === 1));
  });

  it('gives a batch no further file once it holds BATCH_BYTES of reads', () => {
    const wide = { name: 'j', filesPerTask: 50 };
    const big = BATCH_BYTES;
    const paths = ['d/big1', 'd/big2', 'd/s1', 'd/s2', 'd/s3', 'e/big3'];
    const sizes = [big, big + 1, big / 2, big / 2 - 1, 1, big * 4];
    const batches = batchesFor('sync', wide, 1, paths, sizes);
    assert.deepEqual(
      batches.map((batch) => batch.paths),
      [['d/big1'], ['d/big2'], ['d/s1', 'd/s2', 'd/s3'], ['e/big3']],
    );
    // Without sizes (registering reads nothing) only files_per_task bounds a batch.
    assert.equal(batchesFor('sync', wide, 1, paths).length, 2);
  });

  it('groups a path that is not UTF-8 by its bytes, not by its base64 text', () => {
    // 0xff makes the tagged form; 0xfc 0x3f encodes with a `/` in base64.
    const odd = encodeRelPath(new Uint8Array([0x64, 0x2f, 0xff, 0xfc, 0x3f]));
    assert.match(odd, /\//);
    const batches = batchesFor('delete', { name: 'j', filesPerTask: 10 }, 1, ['d/x', odd]);
    assert.deepEqual(
      batches.map((batch) => batch.paths),
      [['d/x', odd]],
    );
  });
});
