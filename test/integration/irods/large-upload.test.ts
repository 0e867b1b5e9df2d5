import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { useClientFixture, HOME } from './setup.js';

const MiB = 1024 * 1024;

describe('IrodsClient uploading 1 GiB', () => {
  const fx = useClientFixture();

  it('streams it through parallel writes with bounded memory and a matching checksum', async (t) => {
    const file = join(fx.dir, 'one-gib.bin');
    const block = randomBytes(MiB);
    const expected = createHash('sha256');
    const handle = await open(file, 'w');
    for (let i = 0; i < 1024; i += 1) {
      // A different first byte per block, so swapped chunks would change the checksum.
      block[0] = i & 0xff;
      await handle.write(block);
      expected.update(block);
    }
    await handle.close();
    const expectedSha2 = `sha2:${expected.digest('base64')}`;

    const baseline = process.memoryUsage().rss;
    let peak = baseline;
    const sampler = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().rss);
    }, 20);
    let result;
    try {
      result = await fx.client.upload(file, `${HOME}/one-gib.bin`);
    } finally {
      clearInterval(sampler);
    }
    peak = Math.max(peak, process.memoryUsage().rss);

    assert.equal(result.mode, 'parallel');
    assert.equal(result.size, 1024 * MiB);
    assert.equal(result.sha2, expectedSha2);
    const growth = peak - baseline;
    t.diagnostic(`RSS growth during the upload: ${Math.round(growth / MiB)} MiB`);
    assert.ok(growth < 128 * MiB, `RSS grew by ${Math.round(growth / MiB)} MiB`);
    assert.equal(
      await fx.client.dataObjects.calculateChecksum(`${HOME}/one-gib.bin`, { force: true }),
      expectedSha2,
    );
    assert.equal((await fx.client.dataObjects.stat(`${HOME}/one-gib.bin`))?.size, 1024 * MiB);
    assert.equal((await fx.emulator.stats()).open_parallel_write_handles, 0);
  });
});
