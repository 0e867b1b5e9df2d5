import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Worker } from 'node:worker_threads';
import { ScanError } from '../../../src/sources/errors.js';
import { scanTree } from '../../../src/sources/scan.js';
import { ScanThreads } from '../../../src/sources/scan-threads.js';
import { collect, entriesByPath, NO_EXCLUSIONS, tempTree } from './fixtures.js';

describe('scan threads', () => {
  let root: string;
  let dispose: () => void;
  before(() => {
    ({ root, dispose } = tempTree());
    mkdirSync(join(root, 'd'));
    for (let i = 0; i < 50; i++) writeFileSync(join(root, 'd', `f${i}`), '');
  });
  after(() => dispose());

  it('hands a thread that ended its scan to the next scan, keeping at most two idle', async () => {
    const threads = new ScanThreads();
    const first = threads.acquire();
    threads.release(first);
    assert.equal(threads.acquire(), first);

    const more = [first, threads.acquire(), threads.acquire()];
    assert.equal(new Set(more).size, 3);
    const exited = once(more[2]!, 'exit');
    for (const worker of more) threads.release(worker);
    await exited; // the third is one too many to keep
    const kept = [threads.acquire(), threads.acquire()];
    assert.deepEqual(new Set(kept), new Set(more.slice(0, 2)));
    await Promise.all(kept.map((worker: Worker) => worker.terminate()));
  });

  it('scans correctly after a scan that stopped early and one whose root failed', async () => {
    for await (const _ of scanTree(root, { ...NO_EXCLUSIONS, chunkSize: 1 })) break;
    await assert.rejects(collect(join(root, 'missing'), NO_EXCLUSIONS), ScanError);
    for (let round = 0; round < 3; round++) {
      const entries = entriesByPath(await collect(root, NO_EXCLUSIONS));
      assert.equal(entries.size, 51);
      assert.equal(entries.get('d/f49')?.type, 'file');
    }
  });
});
