/**
 * Issue 19: a batch of new files to register writes their provisional states in one call at its
 * start, not one per file before each registration; a file whose path iRODS holds an object at
 * gets none (it is not the job's). A state written early for a file the batch never reached
 * (it died first) is harmless: the file is registered by its next batch, and if it vanished, an
 * object someone else put at its path stays, since a registering job only unregisters its own
 * files' registrations. Driven through processBatch with a real Redis, the emulator and the job's
 * stat thread; Redis' command counters count the script calls.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { lstat, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { JobConfig } from '../../../src/config/index.js';
import { processBatch, type BatchDeps } from '../../../src/worker/batch.js';
import { useClientFixture } from '../irods/setup.js';
import { recordingLogger } from '../metrics/fixture.js';
import { job, sourceDir } from '../worker/fixture.js';
import { batchDeps, scriptCalls, useBatchServices } from './batch-deps.js';

const FILES = 40;

describe('the provisional states of a registering batch', () => {
  const fx = useClientFixture();
  const { logger } = recordingLogger();
  const services = useBatchServices();

  function deps(spec: JobConfig): BatchDeps {
    const owner = `run-${randomUUID()}`;
    const prefix = `reg-${randomUUID()}`;
    return batchDeps({ spec, prefix, owner, client: fx.client, services, logger });
  }

  async function newFiles(source: string): Promise<string[]> {
    const paths = Array.from({ length: FILES }, (_, i) => `f${i}.dat`);
    for (const path of paths) await writeFile(join(source, path), `bytes of ${path}`);
    return paths;
  }

  /** What a batch that took `path`'s lock and died before reaching it leaves: its early state. */
  async function leftEarly(batch: BatchDeps, source: string, path: string): Promise<void> {
    const info = await lstat(join(source, path), { bigint: true });
    const state = {
      type: 'file' as const,
      size: Number(info.size),
      mtimeNs: info.mtimeNs,
      ctimeNs: info.ctimeNs,
      ino: info.ino,
      provisional: true as const,
    };
    await batch.locks.tryLock([path], 60_000, 'died');
    await batch.states.recordHeld([{ relPath: Buffer.from(path), state }], 'died');
    await batch.locks.unlock([path], 'died'); // as its TTL would have
  }

  const run = (batch: BatchDeps, spec: JobConfig, paths: string[]) =>
    processBatch(batch, { kind: 'sync', job: spec.name, pass: 1, paths, attempt: 1 });

  it('go in with the batch in one call, and every file is registered and confirmed', async () => {
    const source = await sourceDir(fx);
    const spec = job(source, { operation: 'register', files_per_task: FILES });
    const paths = await newFiles(source);

    const before = await scriptCalls(services.redis);
    const batch = deps(spec);
    const result = await run(batch, spec, paths);
    const calls = (await scriptCalls(services.redis)) - before;

    assert.deepEqual(result, { retry: [], busy: [] });
    // One per file before: each registration's provisional state went in a call of its own.
    assert.ok(calls < FILES / 4, `${calls} script calls for ${FILES} files`);
    const recorded = await batch.states.getMany(paths.map((path) => Buffer.from(path)));
    for (const [i, path] of paths.entries()) {
      const info = await lstat(join(source, path), { bigint: true });
      assert.equal(recorded[i]?.provisional, undefined, `${path} confirmed`);
      assert.equal(recorded[i]?.mtimeNs, info.mtimeNs, path);
      const [replica] = (await fx.client.dataObjects.replicaFacts([`${spec.target}/${path}`])).get(
        `${spec.target}/${path}`,
      )!;
      assert.equal(replica?.physicalPath, join(source, path), path);
      assert.equal(replica?.size, Number(info.size), path);
    }
    const { counts } = await batch.records.read();
    assert.equal(counts.new, FILES);
  });

  it('left by a batch that never reached the file: its next batch registers it', async () => {
    const source = await sourceDir(fx);
    const spec = job(source, { operation: 'register', files_per_task: FILES });
    const paths = await newFiles(source);
    const batch = deps(spec);
    await leftEarly(batch, source, 'f1.dat');

    assert.deepEqual(await run(batch, spec, paths), { retry: [], busy: [] });

    const [state] = await batch.states.getMany([Buffer.from('f1.dat')]);
    assert.equal(state?.provisional, undefined, 'confirmed');
    const stat = await fx.client.dataObjects.stat(`${spec.target}/f1.dat`);
    assert.equal(stat?.size, (await lstat(join(source, 'f1.dat'))).size);
    assert.equal(await batch.failures.count(), 0);
  });

  it('left for a file that vanished: an object someone else put at its path stays', async () => {
    const source = await sourceDir(fx);
    const spec = job(source, { operation: 'register', delete: 'unregister' });
    await writeFile(join(source, 'gone.dat'), 'ours, never registered');
    const batch = deps(spec);
    await leftEarly(batch, source, 'gone.dat');
    await rm(join(source, 'gone.dat'));
    const theirs = join(await sourceDir(fx), 'theirs.dat');
    await writeFile(theirs, 'their bytes');
    await fx.client.collections.ensure(spec.target);
    await fx.client.upload(theirs, `${spec.target}/gone.dat`);

    await run(batch, spec, ['gone.dat']);

    const stat = await fx.client.dataObjects.stat(`${spec.target}/gone.dat`);
    assert.equal(stat?.size, 11, 'their object stays');
  });

  it('leave out a file whose path holds an object the job did not put there', async () => {
    const source = await sourceDir(fx);
    const spec = job(source, { operation: 'register', files_per_task: FILES });
    const paths = await newFiles(source);
    const theirs = join(await sourceDir(fx), 'theirs.dat');
    await writeFile(theirs, 'an object someone else put there, longer than ours');
    await fx.client.collections.ensure(spec.target);
    await fx.client.upload(theirs, `${spec.target}/f0.dat`);

    const batch = deps(spec);
    await run(batch, spec, paths);

    const [found, next] = await batch.states.getMany([
      Buffer.from('f0.dat'),
      Buffer.from('f1.dat'),
    ]);
    // Registering over it fails; had the batch claimed it early, a later delete of f0.dat would
    // have found a provisional state saying the object may be the job's.
    assert.equal(found, undefined, 'nothing recorded for the file whose path was taken');
    assert.equal(next?.provisional, undefined, 'the others confirmed');
    const stat = await fx.client.dataObjects.stat(`${spec.target}/f0.dat`);
    assert.equal(stat?.size, 50, 'their object untouched');
    const failure = await batch.failures.get('f0.dat');
    assert.match(failure?.message ?? '', /exists|CAT_NAME_EXISTS/);
    assert.equal(await batch.failures.count(), 1);
  });
});
