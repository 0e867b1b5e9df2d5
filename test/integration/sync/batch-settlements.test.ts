/**
 * Issue 19: a batch's bookkeeping in Redis costs round trips per batch, not per file. Driven one
 * batch at a time through processBatch with a real Redis, the emulator and the job's stat thread;
 * Redis' own command counters (INFO commandstats) count the script calls.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { lstat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { JobConfig } from '../../../src/config/index.js';
import { processBatch, type BatchDeps } from '../../../src/worker/batch.js';
import { useClientFixture } from '../irods/setup.js';
import { recordingLogger } from '../metrics/fixture.js';
import { job, sourceDir } from '../worker/fixture.js';
import { batchDeps, scriptCalls, useBatchServices } from './batch-deps.js';

const FILES = 40;

describe('the settlements of a batch', () => {
  const fx = useClientFixture();
  const { logger } = recordingLogger();
  const services = useBatchServices();

  function deps(spec: JobConfig, prefix: string): BatchDeps {
    const owner = `run-${randomUUID()}`;
    return batchDeps({ spec, prefix, owner, client: fx.client, services, logger });
  }

  it('records a batch of files in a few script calls, each file done and let go', async () => {
    const source = await sourceDir(fx);
    const spec = job(source, { operation: 'none', files_per_task: FILES });
    const prefix = `settle-${randomUUID()}`;
    const paths = Array.from({ length: FILES }, (_, i) => `f${i}.dat`);
    for (const path of paths) await writeFile(join(source, path), `bytes of ${path}`);

    const before = await scriptCalls(services.redis);
    const batch = deps(spec, prefix);
    const result = await processBatch(batch, {
      kind: 'sync',
      job: spec.name,
      pass: 1,
      paths,
      attempt: 1,
    });
    const calls = (await scriptCalls(services.redis)) - before;

    assert.deepEqual(result, { retry: [], busy: [] });
    // One per file before: each file's state and lock went in a script call of its own.
    assert.ok(calls < FILES / 4, `${calls} script calls for ${FILES} files`);
    const recorded = await batch.states.getMany(paths.map((path) => Buffer.from(path)));
    for (const [i, path] of paths.entries()) {
      const info = await lstat(join(source, path), { bigint: true });
      assert.equal(recorded[i]?.size, Number(info.size), path);
      assert.equal(recorded[i]?.mtimeNs, info.mtimeNs, path);
    }
    assert.deepEqual(await services.redis.keys(`${prefix}:*:lock:*`), [], 'every lock released');
    const { counts } = await batch.records.read();
    assert.equal(counts.new, FILES);
  });
});
