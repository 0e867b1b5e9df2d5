/**
 * Batch runs racing the source and each other (issue 13, cases 2 and 3), driven one batch at a
 * time through processBatch with a real Redis, the emulator and the job's stat thread. The
 * emulator's write latency holds an upload in flight for as long as a test needs it to.
 *
 * - A file looked at as "ctime only" at the batch's start and rewritten while the batch's
 *   earlier uploads run is decided again on what it is when its turn comes, and uploaded.
 * - A run whose lock lapsed (Redis stalled past the TTL) and whose old bytes land after those
 *   of the worker that took the file over never leaves them recorded as current: its retry
 *   compares iRODS with the file and sends the file again.
 * - A run that lost the lock cannot record; its retry verifies the object and records it
 *   without sending the bytes again when they are all there.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { chmod, lstat, readFile, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'node:test';
import type { JobConfig } from '../../../src/config/index.js';
import type { BatchPayload } from '../../../src/queue/payload.js';
import { FileLocks, FileStateStore } from '../../../src/state/index.js';
import { processBatch, type BatchDeps } from '../../../src/worker/batch.js';
import { useClientFixture } from '../irods/setup.js';
import { recordingLogger } from '../metrics/fixture.js';
import { batchDeps, useBatchServices } from './batch-deps.js';
import { job, sha2, sourceDir } from '../worker/fixture.js';
import { bytesOf } from './fixture.js';

const T1 = 1_600_000_000;
const T2 = 1_600_000_600;
const T3 = 1_600_001_200;

describe('batch runs racing the source and other runs', () => {
  const fx = useClientFixture();
  const { logger, lines } = recordingLogger();
  const services = useBatchServices();

  /** A put_sync job on a new source directory, with its own key prefix. */
  async function newJob(): Promise<{ spec: JobConfig; source: string; prefix: string }> {
    const source = await sourceDir(fx);
    return { spec: job(source), source, prefix: `race-${randomUUID()}` };
  }

  function deps(spec: JobConfig, prefix: string, owner: string, lockTtlMs?: number): BatchDeps {
    return {
      ...batchDeps({ spec, prefix, owner, client: fx.client, services, logger }),
      ...(lockTtlMs === undefined ? {} : { lockTtlMs }),
    };
  }

  const batch = (spec: JobConfig, paths: string[], attempt = 1): BatchPayload => ({
    kind: 'sync',
    job: spec.name,
    pass: 1,
    paths,
    attempt,
  });

  /** Resolves once the emulator has received more requests than it had when called. */
  /**
   * Resolves once an upload's next `write` reached the emulator, which holds it per the test's
   * faults. Any request would not do: a new file's first one is the batch's catalog lookup, and
   * a test that acted on it could run ahead of the provisional state written after it.
   */
  async function nextWrite(): Promise<void> {
    const writes = async () => (await fx.emulator.requestsByOp())['data-objects:write'] ?? 0;
    const before = await writes();
    while ((await writes()) <= before) await sleep(20);
  }

  async function write(path: string, content: Buffer, mtime: number): Promise<void> {
    await writeFile(path, content);
    await utimes(path, mtime, mtime);
  }

  /** The recorded state equals the file as it is, and the object holds the file's bytes. */
  async function assertInSync(spec: JobConfig, prefix: string, rel: string, source: string) {
    const path = join(source, rel);
    const [state] = await new FileStateStore(services.redis, prefix, spec.name).getMany([
      Buffer.from(rel),
    ]);
    const info = await lstat(path, { bigint: true });
    assert.deepEqual(
      state,
      {
        type: 'file',
        size: Number(info.size),
        mtimeNs: info.mtimeNs,
        ino: info.ino,
        ctimeNs: info.ctimeNs,
      },
      `${rel}: the recorded state is the file's stat now`,
    );
    const local = await readFile(path);
    const object = await fx.client.dataObjects.read(`${spec.target}/${rel}`);
    assert.ok(object.equals(local), `${rel}: iRODS holds the file's bytes`);
  }

  it('decides a file again when it was rewritten after the batch looked at it', async () => {
    const { spec, source, prefix } = await newJob();
    await write(join(source, 'large-1.bin'), bytesOf(2 << 20, 1), T1);
    await write(join(source, 'large-2.bin'), bytesOf(2 << 20, 2), T1);
    await write(join(source, 'small.txt'), Buffer.from('small, first'), T1);
    const paths = ['large-1.bin', 'large-2.bin', 'small.txt'];
    await processBatch(deps(spec, prefix, 'first'), batch(spec, paths));

    await write(join(source, 'large-1.bin'), bytesOf(2 << 20, 3), T2);
    await write(join(source, 'large-2.bin'), bytesOf(2 << 20, 4), T2);
    // Only its ctime moves: the batch's look finds the small file "metadata only".
    await chmod(join(source, 'small.txt'), 0o600);
    await fx.emulator.setFaults({ latencyMs: 1_000, ops: ['write'] });
    try {
      const second = processBatch(deps(spec, prefix, 'second'), batch(spec, paths));
      // While the large files upload, the small one is rewritten: size and mtime move too.
      await nextWrite();
      await write(join(source, 'small.txt'), Buffer.from('small, second version'), T2);
      assert.deepEqual(await second, { retry: [], busy: [] });
    } finally {
      await fx.emulator.clearFaults();
    }
    for (const rel of paths) await assertInSync(spec, prefix, rel, source);
  });

  it('never leaves old bytes recorded as current when a lock lapses mid-upload', async () => {
    const { spec, source, prefix } = await newJob();
    const file = join(source, 'f.bin');
    const v1 = bytesOf(256 << 10, 11);
    const v2 = bytesOf(256 << 10, 12);
    await write(file, bytesOf(256 << 10, 10), T1);
    await processBatch(deps(spec, prefix, 'initial'), batch(spec, ['f.bin']));
    await write(file, v1, T2);

    // Run A sends v1, which the emulator holds for 6 s; meanwhile Redis stalls past the lock's
    // 1 s TTL, so the lock lapses and run B takes the file over and sends v2 at once.
    await fx.emulator.setFaults({ latencyMs: 6_000, ops: ['write'] });
    let a: Promise<unknown>;
    try {
      a = processBatch(deps(spec, prefix, 'run-a', 1_000), batch(spec, ['f.bin']));
      await nextWrite();
      process.kill(services.server.pid!, 'SIGSTOP');
      await sleep(1_500);
    } finally {
      // Also when the test failed while Redis was stopped: the services could not stop it.
      process.kill(services.server.pid!, 'SIGCONT');
      await fx.emulator.clearFaults();
    }
    await write(file, v2, T3);
    const b = await processBatch(deps(spec, prefix, 'run-b'), batch(spec, ['f.bin']));
    assert.deepEqual(b, { retry: [], busy: [] }, 'run B took the lapsed lock and sent v2');
    const resultA = await a;
    // A's v1 landed last: iRODS holds old bytes, while the state is B's record of v2.
    assert.ok((await fx.client.dataObjects.read(`${spec.target}/f.bin`)).equals(v1));
    assert.deepEqual(resultA, { retry: ['f.bin'], busy: [] });

    const retried = await processBatch(deps(spec, prefix, 'run-a-2'), batch(spec, ['f.bin'], 2));
    assert.deepEqual(retried, { retry: [], busy: [] });
    await assertInSync(spec, prefix, 'f.bin', source);
    assert.deepEqual(
      await new FileStateStore(services.redis, prefix, spec.name).recheckPaths(),
      [],
    );
  });

  it('records nothing for a run that lost its lock, and its retry sends no bytes again', async () => {
    const { spec, source, prefix } = await newJob();
    const file = join(source, 'g.bin');
    const local = bytesOf(512 << 10, 21);
    await write(file, local, T1);
    const states = new FileStateStore(services.redis, prefix, spec.name);
    const locks = new FileLocks(services.redis, prefix, spec.name);

    await fx.emulator.setFaults({ latencyMs: 1_500, ops: ['write'] });
    let run: Promise<unknown>;
    try {
      run = processBatch(deps(spec, prefix, 'run-a'), batch(spec, ['g.bin']));
      await nextWrite();
    } finally {
      await fx.emulator.clearFaults();
    }
    // The lock lapses (as after a stall) and another worker holds it when the upload ends.
    await services.redis.del(`${prefix}:${spec.name}:lock:g.bin`);
    assert.deepEqual(await locks.tryLock(['g.bin'], 60_000, 'other-worker'), [true]);
    assert.deepEqual(await run, { retry: ['g.bin'], busy: [] });
    // Only the provisional state written before the first byte: the upload was not confirmed.
    const [recorded] = await states.getMany([Buffer.from('g.bin')]);
    assert.equal(recorded?.provisional, true, 'not recorded as done');
    assert.ok(lines.some((line) => /will retry g\.bin .*lock/.test(line.message)));

    await locks.release([{ relPath: 'g.bin', touched: false }], 'other-worker');
    const seen = lines.length;
    const retried = await processBatch(deps(spec, prefix, 'run-a-2'), batch(spec, ['g.bin'], 2));
    assert.deepEqual(retried, { retry: [], busy: [] });
    await assertInSync(spec, prefix, 'g.bin', source);
    const { records } = deps(spec, prefix, 'reader');
    assert.equal((await records.read()).counts.bytes, 0, 'the retry sent no bytes');
    const logged = lines.slice(seen).map((line) => line.message);
    assert.ok(!logged.includes('upload g.bin'), 'a check, not an upload');
    assert.equal((await fx.client.dataObjects.stat(`${spec.target}/g.bin`))?.checksum, sha2(local));
  });
});
