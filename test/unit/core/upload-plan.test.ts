import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  chunkCountFor,
  chunkRange,
  MULTIPART_OVERHEAD_BYTES,
  planUpload,
  type UploadPlanInput,
} from '../../../src/core/upload-plan.js';

const MiB = 1024 * 1024;
const base: UploadPlanInput = {
  fileSize: 0,
  startOffset: 0,
  bodyLimit: 8 * MiB,
  streamLimit: 3,
  deadlineSeconds: 30,
  minBytesPerSecond: MiB,
  headerSafePath: true,
};

describe('planUpload', () => {
  it('sends a file that fits one body in one request', () => {
    for (const fileSize of [0, 1, 8 * MiB]) {
      const plan = planUpload({ ...base, fileSize });
      assert.equal(plan.mode, 'single', String(fileSize));
      assert.equal(plan.chunkCount, 1);
    }
  });

  it('spreads a larger file over at most the per-handle streams', () => {
    const table: [number, number, number][] = [
      // file size, chunks, streams
      [8 * MiB + 1, 2, 2],
      [24 * MiB, 3, 3],
      [1024 * MiB, 128, 3],
    ];
    for (const [fileSize, chunks, streams] of table) {
      const plan = planUpload({ ...base, fileSize });
      assert.equal(plan.mode, 'parallel');
      assert.equal(plan.chunkBytes, 8 * MiB);
      assert.equal(plan.chunkCount, chunks);
      assert.equal(plan.streams, streams);
    }
  });

  it('never exceeds the body limit, the requested size or the deadline budget', () => {
    assert.equal(planUpload({ ...base, fileSize: 10 * MiB, bodyLimit: MiB }).chunkBytes, MiB);
    assert.equal(
      planUpload({ ...base, fileSize: 10 * MiB, chunkBytes: 64 * 1024 }).chunkBytes,
      65536,
    );
    assert.equal(
      planUpload({ ...base, fileSize: 10 * MiB, chunkBytes: 64 * MiB }).chunkBytes,
      8 * MiB,
    );
    // 30 s deadline, half of it at 100 KiB/s: 1.5 MiB per chunk.
    const slow = planUpload({ ...base, fileSize: 10 * MiB, minBytesPerSecond: 100 * 1024 });
    assert.equal(slow.chunkBytes, 1536000);
  });

  it('honours a smaller stream count and never opens more streams than chunks', () => {
    assert.equal(planUpload({ ...base, fileSize: 100 * MiB, streams: 2 }).streams, 2);
    assert.equal(planUpload({ ...base, fileSize: 100 * MiB, streams: 9 }).streams, 3);
  });

  it('leaves room for multipart framing when the path cannot go in a header', () => {
    const plan = planUpload({ ...base, fileSize: 8 * MiB, headerSafePath: false });
    assert.equal(plan.mode, 'parallel');
    assert.equal(plan.sequentialChunkBytes, 8 * MiB - MULTIPART_OVERHEAD_BYTES);
    const small = planUpload({ ...base, fileSize: MiB, headerSafePath: false });
    assert.equal(small.mode, 'single');
  });

  it('plans only the bytes after the start offset of an append', () => {
    const plan = planUpload({ ...base, fileSize: 20 * MiB, startOffset: 15 * MiB });
    assert.equal(plan.mode, 'single');
    const big = planUpload({ ...base, fileSize: 40 * MiB, startOffset: 15 * MiB });
    assert.equal(big.chunkCount, 4);
  });
});

describe('chunkRange', () => {
  it('cuts the range into chunks, the last one shorter', () => {
    assert.deepEqual(chunkRange(0, 10, 0, 25), { offset: 0, length: 10 });
    assert.deepEqual(chunkRange(2, 10, 0, 25), { offset: 20, length: 5 });
    assert.deepEqual(chunkRange(1, 10, 5, 25), { offset: 15, length: 10 });
    assert.equal(chunkCountFor(10, 0, 25), 3);
    assert.equal(chunkCountFor(10, 0, 0), 1);
    assert.equal(chunkCountFor(10, 5, 25), 2);
  });
});
