/**
 * Issue 19: a batch's bookkeeping in Redis costs round trips per batch, not per file. Driven one
 * batch at a time through processBatch with a real Redis, the emulator and the job's stat thread;
 * Redis' own command counters (INFO commandstats) count the script calls.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { lstat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import type { JobConfig } from '../../../src/config/index.js';
import { Metrics } from '../../../src/metrics/index.js';
import { StatThread } from '../../../src/sources/stat-thread.js';
import {
  FailureStore,
  FileLocks,
  FileSettlement,
  FileStateStore,
  JobRecords,
  WriteHandles,
} from '../../../src/state/index.js';
import { processBatch, type BatchDeps } from '../../../src/worker/batch.js';
import { startRedis, type TestRedis } from '../../helpers/redis.js';
import { useClientFixture } from '../irods/setup.js';
import { recordingLogger } from '../metrics/fixture.js';
import { job, sourceDir } from '../worker/fixture.js';

const FILES = 40;

describe('the settlements of a batch', () => {
  const fx = useClientFixture();
  const { logger } = recordingLogger();
  let server: TestRedis;
  let redis: Redis;
  let stats: StatThread;

  before(async () => {
    server = await startRedis();
    redis = new Redis({ path: server.socketPath });
    stats = new StatThread();
  });
  after(async () => {
    await stats.close();
    redis.disconnect();
    await server.stop();
  });

  function deps(spec: JobConfig, prefix: string): BatchDeps {
    return {
      job: spec,
      client: fx.client,
      states: new FileStateStore(redis, prefix, spec.name),
      failures: new FailureStore(redis, prefix, spec.name),
      records: new JobRecords(redis, prefix, spec.name),
      locks: new FileLocks(redis, prefix, spec.name),
      settlement: new FileSettlement(redis, prefix, spec.name),
      handles: new WriteHandles(redis, prefix, spec.name),
      owner: `run-${randomUUID()}`,
      logger,
      metrics: new Metrics({ logger }),
      stats,
      deletesRefused: () => Promise.resolve(undefined),
      rescan: () => undefined,
    };
  }

  /** Lua script calls Redis has answered so far (EVALSHA, and EVAL when it lacked a script). */
  async function scriptCalls(): Promise<number> {
    const info = await redis.info('commandstats');
    const calls = (command: string) =>
      Number(new RegExp(`^cmdstat_${command}:calls=(\\d+)`, 'm').exec(info)?.[1] ?? 0);
    return calls('evalsha') + calls('eval');
  }

  it('records a batch of files in a few script calls, each file done and let go', async () => {
    const source = await sourceDir(fx);
    const spec = job(source, { operation: 'none', files_per_task: FILES });
    const prefix = `settle-${randomUUID()}`;
    const paths = Array.from({ length: FILES }, (_, i) => `f${i}.dat`);
    for (const path of paths) await writeFile(join(source, path), `bytes of ${path}`);

    const before = await scriptCalls();
    const result = await processBatch(deps(spec, prefix), {
      kind: 'sync',
      job: spec.name,
      pass: 1,
      paths,
      attempt: 1,
    });
    const calls = (await scriptCalls()) - before;

    assert.deepEqual(result, { retry: [], busy: [] });
    // One per file before: each file's state and lock went in a script call of its own.
    assert.ok(calls < FILES / 4, `${calls} script calls for ${FILES} files`);
    const recorded = await new FileStateStore(redis, prefix, spec.name).getMany(
      paths.map((path) => Buffer.from(path)),
    );
    for (const [i, path] of paths.entries()) {
      const info = await lstat(join(source, path), { bigint: true });
      assert.equal(recorded[i]?.size, Number(info.size), path);
      assert.equal(recorded[i]?.mtimeNs, info.mtimeNs, path);
    }
    assert.deepEqual(await redis.keys(`${prefix}:*:lock:*`), [], 'every lock released');
    const { counts } = await new JobRecords(redis, prefix, spec.name).read();
    assert.equal(counts.new, FILES);
  });
});
