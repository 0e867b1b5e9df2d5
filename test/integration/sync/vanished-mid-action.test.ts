/**
 * A file removed while its action is under way (found by the soak: a writer renames or removes
 * files and directories at any moment). The action then fails on the missing file: the upload's
 * open with ENOENT, or the server's registration, which reads the file for its checksum, with
 * UNIX_FILE_OPEN_ERR. Neither is the file's failure: the file is gone, as one gone since its batch
 * was queued is, and a later pass deals with what is left. It must not sit on the failure list.
 *
 * The emulator holds the request before the file is needed (latency on one op), and the test
 * removes the file while that request is held.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'node:test';
import type { JobConfig } from '../../../src/config/index.js';
import { processBatch, type BatchDeps } from '../../../src/worker/batch.js';
import { useClientFixture } from '../irods/setup.js';
import { recordingLogger } from '../metrics/fixture.js';
import { FailureStore } from '../../../src/state/index.js';
import { batchDeps, useBatchServices } from './batch-deps.js';
import { job, sourceDir } from '../worker/fixture.js';

describe('a file removed while its action is under way', () => {
  const fx = useClientFixture();
  const { logger } = recordingLogger();
  const services = useBatchServices();

  const deps = (spec: JobConfig, prefix: string): BatchDeps =>
    batchDeps({ spec, prefix, owner: 'run', client: fx.client, services, logger });

  /** Runs a batch of `rel` and removes `remove` while the emulator holds a request for `op`. */
  async function removedDuring(spec: JobConfig, rel: string, remove: string, op: string) {
    const prefix = `vanished-${randomUUID()}`;
    await fx.emulator.setFaults({ latencyMs: 1_500, ops: [op] });
    try {
      const run = processBatch(deps(spec, prefix), {
        kind: 'sync',
        job: spec.name,
        pass: 1,
        paths: [rel],
        attempt: 1,
      });
      while ((await fx.emulator.stats()).delayed_requests === 0) await sleep(10);
      await rm(remove, { recursive: true });
      const result = await run;
      const failures = await new FailureStore(services.redis, prefix, spec.name).list(10);
      return { result, failures: failures.failures.map((f) => `${f.relPath}: ${f.message}`) };
    } finally {
      await fx.emulator.clearFaults();
    }
  }

  it('is not listed as failed when a put_sync upload finds it gone', async () => {
    const source = await sourceDir(fx);
    await mkdir(join(source, 'run'));
    await writeFile(join(source, 'run', 'a.dat'), 'bytes that leave');
    // Held: making the parent collection, which comes before the upload opens the file.
    const outcome = await removedDuring(job(source), 'run/a.dat', join(source, 'run'), 'create');
    assert.deepEqual(outcome, { result: { retry: [], busy: [] }, failures: [] });
  });

  it('is not listed as failed when the server cannot read it to register it', async () => {
    const source = await sourceDir(fx);
    await writeFile(join(source, 'b.dat'), 'registered, then gone');
    const spec = job(source, { operation: 'register', checksum: 'register' });
    const outcome = await removedDuring(spec, 'b.dat', join(source, 'b.dat'), 'register');
    // Its provisional state (written before the register) has the retry find it gone and drop
    // what the job may own in iRODS; it is not a failure.
    assert.deepEqual(outcome, { result: { retry: ['b.dat'], busy: [] }, failures: [] });
    assert.equal(await fx.client.dataObjects.stat(`${spec.target}/b.dat`), undefined);
  });
});
