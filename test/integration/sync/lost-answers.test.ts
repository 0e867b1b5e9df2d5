/**
 * Found by the soak: a file sent once must not be sent again because an answer went missing.
 * iRODS may carry a request out and lose its answer (the connection breaks, the HTTP API dies),
 * or answer one step and fail the next; either way the batch tries the file again, and the retry
 * must converge on what iRODS holds, sending only what is missing. The emulator's content log
 * (every write, register and size-setting modify_replica, per path) shows what was sent.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { appendFile, stat, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { JobConfig } from '../../../src/config/index.js';
import { ENTITY } from '../../../src/irods/index.js';
import { FailureStore, FileStateStore } from '../../../src/state/index.js';
import { processBatch, type BatchResult } from '../../../src/worker/batch.js';
import type { FaultSpec } from '../../helpers/emulator.js';
import { connect, useClientFixture } from '../irods/setup.js';
import { recordingLogger } from '../metrics/fixture.js';
import { job, sha2, sourceDir } from '../worker/fixture.js';
import { batchDeps, useBatchServices } from './batch-deps.js';

/** An mtime well apart from any time the emulator stamps on its own (whole seconds). */
const MTIME = new Date('2024-03-01T12:00:00Z');

describe('a file retried after iRODS lost an answer', () => {
  const fx = useClientFixture();
  const { logger } = recordingLogger();
  const services = useBatchServices();

  /** One file of a job, synced by batches as the worker pool runs them. */
  async function setUp(overrides: Partial<JobConfig>, content: string, client = fx.client) {
    const source = await sourceDir(fx);
    const spec = job(source, overrides);
    const path = join(source, 'a.dat');
    await writeFile(path, content);
    await utimes(path, MTIME, MTIME);
    await fx.client.collections.ensure(spec.target);
    const prefix = `lost-${randomUUID()}`;
    const deps = batchDeps({ spec, prefix, owner: 'run', client, services, logger });
    const logicalPath = `${spec.target}/a.dat`;
    return {
      spec,
      path,
      logicalPath,
      /** Runs try `attempt` of the file's batch under `faults` (none: iRODS answers everything). */
      async run(attempt: number, faults?: FaultSpec): Promise<BatchResult> {
        if (faults !== undefined) await fx.emulator.setFaults(faults);
        try {
          return await processBatch(
            { ...deps, owner: `run-${attempt}` },
            { kind: 'sync', job: spec.name, pass: 1, paths: ['a.dat'], attempt },
          );
        } finally {
          await fx.emulator.clearFaults();
        }
      },
      /** What the emulator's content log holds for the object. */
      async sends(): Promise<{ kind: string; size: number }[]> {
        const writes = await fx.emulator.writes();
        return (writes[logicalPath] ?? []).map(({ kind, size }) => ({ kind, size }));
      },
      /** Leaves the recheck mark of a run that lost the file's lock while acting on it. */
      async markRecheck(owner: string): Promise<void> {
        await new FileStateStore(services.redis, prefix, spec.name).markRecheck(['a.dat'], owner);
      },
      /** The file's entry in the job's failure list. */
      async failure() {
        return new FailureStore(services.redis, prefix, spec.name).get('a.dat');
      },
      async recorded() {
        const [state] = await new FileStateStore(services.redis, prefix, spec.name).getMany([
          new Uint8Array(Buffer.from('a.dat')),
        ]);
        return state;
      },
    };
  }

  /** The object as a user checks it: size, mtime, checksum (and where a registration points). */
  async function assertObject(logicalPath: string, path: string, content: string) {
    const object = await fx.client.dataObjects.stat(logicalPath);
    assert.ok(object, `${logicalPath} exists`);
    const { mtimeMs } = await stat(path);
    assert.equal(object.size, Buffer.byteLength(content), 'size');
    assert.equal(object.modifiedAt, Math.floor(mtimeMs / 1000), "the file's mtime");
    assert.equal(object.checksum, sha2(content), 'checksum');
    const replicas = (await fx.client.dataObjects.replicaFacts([logicalPath])).get(logicalPath);
    assert.equal(replicas?.length, 1, 'one replica');
    return replicas[0]!;
  }

  const registering = { operation: 'register', checksum: 'register' } as const;
  const uploading = { operation: 'put_sync', checksum: 'verify' } as const;
  const METADATA = { project: 'lost-answers' };
  const AVUS = Object.entries(METADATA).map(([attribute, value]) => ({ attribute, value }));

  it('is not registered again when the register went through and the next step failed', async () => {
    const file = await setUp(registering, 'registered once');
    // The register is answered; the mtime that follows is dropped until the client gives up.
    assert.deepEqual(await file.run(1, { dropRate: 1, ops: ['touch'] }), {
      retry: ['a.dat'],
      busy: [],
    });
    assert.deepEqual(await file.run(2), { retry: [], busy: [] });
    assert.deepEqual(await file.sends(), [{ kind: 'register', size: 15 }]);
    const replica = await assertObject(file.logicalPath, file.path, 'registered once');
    assert.equal(replica.physicalPath, file.path, 'registered in place');
    assert.equal((await file.recorded())?.provisional, undefined, 'recorded as done');
  });

  it('is not registered again when the answer to the register itself was lost', async () => {
    const file = await setUp(registering, 'registered, answer lost');
    // A first try is refused, so the next goes straight to the register (no adoption lookup).
    assert.deepEqual(await file.run(1, { failRate: 1, ops: ['register'] }), {
      retry: ['a.dat'],
      busy: [],
    });
    // The register is carried out but not answered, and so is the client's look for it.
    const lost = { lostAnswerRate: 1, ops: ['register', 'execute_genquery'] };
    assert.deepEqual(await file.run(2, lost), { retry: ['a.dat'], busy: [] });
    assert.deepEqual(await file.run(3), { retry: [], busy: [] });
    assert.deepEqual(await file.sends(), [{ kind: 'register', size: 23 }]);
    const replica = await assertObject(file.logicalPath, file.path, 'registered, answer lost');
    assert.equal(replica.physicalPath, file.path, 'registered in place');
    assert.equal((await file.recorded())?.provisional, undefined, 'recorded as done');
  });

  it('does not send the size of a changed registration twice when its checksum failed', async () => {
    const file = await setUp(registering, 'version one');
    assert.deepEqual(await file.run(1), { retry: [], busy: [] });
    await appendFile(file.path, ', then two');
    await utimes(file.path, MTIME, new Date(MTIME.getTime() + 60_000));
    const dropped = { dropRate: 1, ops: ['calculate_checksum'] };
    assert.deepEqual(await file.run(1, dropped), { retry: ['a.dat'], busy: [] });
    assert.deepEqual(await file.run(2), { retry: [], busy: [] });
    assert.deepEqual(await file.sends(), [
      { kind: 'register', size: 11 },
      { kind: 'modify', size: 21 },
    ]);
    await assertObject(file.logicalPath, file.path, 'version one, then two');
  });

  it('does not send the size of a changed registration twice when its answer was lost', async () => {
    const file = await setUp(registering, 'version one');
    assert.deepEqual(await file.run(1), { retry: [], busy: [] });
    await appendFile(file.path, ', then two');
    await utimes(file.path, MTIME, new Date(MTIME.getTime() + 60_000));
    // Every replica update is carried out and none answered: the client finds the first landed.
    const lost = { lostAnswerRate: 1, ops: ['modify_replica'] };
    assert.deepEqual(await file.run(1, lost), { retry: [], busy: [] });
    assert.deepEqual(await file.sends(), [
      { kind: 'register', size: 11 },
      { kind: 'modify', size: 21 },
    ]);
    await assertObject(file.logicalPath, file.path, 'version one, then two');
  });

  it('is not uploaded again when the answer to its write was lost', async () => {
    const file = await setUp(uploading, 'uploaded, answer lost');
    // Every write is carried out and none answered: the client finds the first one landed.
    assert.deepEqual(await file.run(1, { lostAnswerRate: 1, ops: ['write'] }), {
      retry: [],
      busy: [],
    });
    assert.deepEqual(await file.sends(), [{ kind: 'write', size: 21 }]);
    await assertObject(file.logicalPath, file.path, 'uploaded, answer lost');
    assert.equal((await file.recorded())?.provisional, undefined, 'recorded as done');
  });

  it('is not uploaded again by the retry when the client could not check its write', async () => {
    const file = await setUp(uploading, 'uploaded, iRODS went away');
    // The write lands and its answer is lost, and so is the answer to the client's check.
    const lost = { lostAnswerRate: 1, ops: ['write', 'calculate_checksum'] };
    assert.deepEqual(await file.run(1, lost), { retry: ['a.dat'], busy: [] });
    assert.deepEqual(await file.run(2), { retry: [], busy: [] });
    assert.deepEqual(await file.sends(), [{ kind: 'write', size: 25 }]);
    await assertObject(file.logicalPath, file.path, 'uploaded, iRODS went away');
    assert.equal((await file.recorded())?.provisional, undefined, 'recorded as done');
  });

  it('is uploaded whole when the answers to its parallel-write inits were lost', async () => {
    // Chunks of 16 bytes: the file goes through a parallel-write handle of two streams.
    const chunked = await connect(fx.emulator, { chunkBytes: 16, parallelStreams: 2 });
    try {
      const content = 'forty bytes, sent in three chunks of 16.';
      const file = await setUp(uploading, content, chunked);
      // Every init opens a handle and none is answered: each holds the object open, under a
      // handle the client never learns. The client sets each one's replica free before it tries
      // again; the last one is left to the retry, which finds it remembered.
      const lost = { lostAnswerRate: 1, ops: ['parallel_write_init'] };
      assert.deepEqual(await file.run(1, lost), { retry: ['a.dat'], busy: [] });
      assert.deepEqual(await file.run(2), { retry: [], busy: [] });
      assert.deepEqual(await file.sends(), [{ kind: 'write', size: 40 }]);
      await assertObject(file.logicalPath, file.path, content);
      assert.equal(await file.failure(), undefined, 'no failure listed');
      assert.equal((await file.recorded())?.provisional, undefined, 'recorded as done');
    } finally {
      await chunked.close();
    }
  });

  it('is uploaded by the retry when the earlier write never landed', async () => {
    const file = await setUp(uploading, 'version one');
    assert.deepEqual(await file.run(1), { retry: [], busy: [] });
    await appendFile(file.path, ', then two');
    await utimes(file.path, MTIME, new Date(MTIME.getTime() + 60_000));
    // Dropped before the server acts: the object keeps version one.
    assert.deepEqual(await file.run(1, { dropRate: 1, ops: ['write'] }), {
      retry: ['a.dat'],
      busy: [],
    });
    assert.deepEqual(await file.run(2), { retry: [], busy: [] });
    assert.deepEqual(await file.sends(), [
      { kind: 'write', size: 11 },
      { kind: 'write', size: 21 },
    ]);
    await assertObject(file.logicalPath, file.path, 'version one, then two');
  });

  /**
   * A run that loses a file's lock while acting on it leaves a recheck mark (FileLocks.release),
   * and the next run compares iRODS with the file before anything else. The run may have lost it
   * after the bytes landed and before the steps after them: that comparison finds the content,
   * and the rest must still be done.
   */
  describe('a recheck after a run that lost its lock after the transfer', () => {
    for (const changed of [false, true]) {
      const what = changed ? 'a changed file' : 'a new file';
      it(`gives ${what} the mtime, checksum and metadata that never came`, async () => {
        const file = await setUp({ ...uploading, metadata: METADATA }, 'version one');
        if (changed) {
          assert.deepEqual(await file.run(1), { retry: [], busy: [] });
          await appendFile(file.path, ', then two');
          await utimes(file.path, MTIME, new Date(MTIME.getTime() + 60_000));
        }
        // The bytes land; the mtime step after them does not, and the lock is lost.
        assert.deepEqual(await file.run(1, { dropRate: 1, ops: ['touch'] }), {
          retry: ['a.dat'],
          busy: [],
        });
        await file.markRecheck('run-1');
        assert.deepEqual(await file.run(2), { retry: [], busy: [] });
        const content = changed ? 'version one, then two' : 'version one';
        assert.deepEqual(
          (await file.sends()).map(({ size }) => size),
          changed ? [11, 21] : [11],
          'each version sent once',
        );
        await assertObject(file.logicalPath, file.path, content);
        const avus = await fx.client.metadata.list(ENTITY.dataObject, file.logicalPath);
        assert.deepEqual(
          avus.map(({ attribute, value }) => ({ attribute, value })),
          AVUS,
        );
        assert.equal((await file.recorded())?.provisional, undefined, 'recorded as done');
      });
    }
  });
});
