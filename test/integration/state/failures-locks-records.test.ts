import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import type { Redis } from 'ioredis';
import {
  FailureStore,
  FileLocks,
  FileStateStore,
  JobRecords,
  WriteHandles,
  type FileFailure,
} from '../../../src/state/index.js';
import { StateKeys } from '../../../src/state/keys.js';
import { startRedis, type TestRedis } from '../../helpers/redis.js';
import { connect } from './setup.js';

let server: TestRedis;
const clients: Redis[] = [];
before(async () => {
  server = await startRedis();
});
after(async () => {
  for (const client of clients) client.disconnect();
  await server.stop();
});
function open(): { redis: Redis; prefix: string } {
  const client = connect(server);
  clients.push(client.redis);
  return client;
}

const failure = (relPath: string, extra: Partial<FileFailure> = {}): FileFailure => ({
  relPath,
  operation: 'upload',
  message: 'connection refused',
  attempts: 1,
  at: 1_700_000_000_000,
  ...extra,
});

describe('FailureStore', () => {
  it('lists, counts and clears per-file failures, the latest one per file', async () => {
    const { redis, prefix } = open();
    const failures = new FailureStore(redis, prefix, 'job');
    await failures.record(failure('a', { irodsCode: -808000 }));
    await failures.record(failure('b', { errno: 'EACCES', operation: 'scan' }));
    await failures.record(failure('a', { irodsCode: -808000, attempts: 2 }));
    assert.equal(await failures.count(), 2);
    assert.deepEqual(await failures.get('a'), failure('a', { irodsCode: -808000, attempts: 2 }));
    const page = await failures.list();
    assert.equal(page.cursor, '0');
    assert.deepEqual(page.failures.map((f) => f.relPath).sort(), ['a', 'b']);
    await failures.clear('a', 'not-failing');
    assert.equal(await failures.count(), 1);
    assert.equal(await failures.get('a'), undefined);
  });

  it('keeps at most 1,000 characters of a message, however long it was', async () => {
    const { redis, prefix } = open();
    const failures = new FailureStore(redis, prefix, 'job');
    await failures.record(
      failure('huge', { message: `preDataObjCreate threw: ${'x'.repeat(5e6)}` }),
    );
    const kept = (await failures.get('huge'))!.message;
    assert.equal(kept.length, 1000);
    assert.match(kept, /^preDataObjCreate threw: x+…$/);
    const stored = await redis.memory('USAGE', new StateKeys(prefix, 'job').failures);
    assert.ok(stored !== null && stored < 10_000, `the failure list holds ${stored} bytes`);
  });

  it('walks every failure of a long list page by page', async () => {
    const { redis, prefix } = open();
    const failures = new FailureStore(redis, prefix, 'job');
    for (let i = 0; i < 1200; i++) await failures.record(failure(`dir/f${i}`));
    const seen = new Set<string>();
    for await (const f of failures.all(100)) seen.add(f.relPath);
    assert.equal(seen.size, 1200);
  });
});

describe('FileLocks', () => {
  it('gives a file to one owner at a time', async () => {
    const { redis, prefix } = open();
    const locks = new FileLocks(redis, prefix, 'job');
    assert.deepEqual(await locks.tryLock(['a', 'b'], 10_000, 'w1'), [true, true]);
    assert.deepEqual(await locks.tryLock(['b', 'c'], 10_000, 'w2'), [false, true]);
  });

  it('lets only the owner unlock', async () => {
    const { redis, prefix } = open();
    const locks = new FileLocks(redis, prefix, 'job');
    await locks.tryLock(['a'], 10_000, 'w1');
    assert.equal(await locks.unlock(['a'], 'w2'), 0);
    assert.deepEqual(await locks.tryLock(['a'], 10_000, 'w2'), [false]);
    assert.equal(await locks.unlock(['a'], 'w1'), 1);
    assert.deepEqual(await locks.tryLock(['a'], 10_000, 'w2'), [true]);
  });

  it('frees an expired lock, and its old owner cannot release the new one', async () => {
    const { redis, prefix } = open();
    const locks = new FileLocks(redis, prefix, 'job');
    await locks.tryLock(['a'], 50, 'crashed');
    await sleep(120);
    assert.deepEqual(await locks.tryLock(['a'], 10_000, 'next'), [true]);
    assert.equal(await locks.unlock(['a'], 'crashed'), 0);
    assert.deepEqual(await locks.tryLock(['a'], 10_000, 'third'), [false]);
  });

  it('renews only the locks its owner still holds', async () => {
    const { redis, prefix } = open();
    const locks = new FileLocks(redis, prefix, 'job');
    await locks.tryLock(['a'], 100, 'w1');
    await locks.tryLock(['b'], 100, 'w2');
    assert.deepEqual(await locks.extend(['a', 'b'], 10_000, 'w1'), [true, false]);
    await sleep(200);
    assert.deepEqual(await locks.tryLock(['a', 'b'], 10_000, 'w3'), [false, true]);
  });

  it('releases held locks, and marks for a recheck the touched files whose lock it lost', async () => {
    const { redis, prefix } = open();
    const locks = new FileLocks(redis, prefix, 'job');
    const states = new FileStateStore(redis, prefix, 'job');
    await locks.tryLock(['kept', 'lapsed', 'untouched'], 10_000, 'w1');
    // The lock of `lapsed` expired and another run took it; `untouched` was never acted on.
    await redis.del(`${prefix}:job:lock:lapsed`, `${prefix}:job:lock:untouched`);
    await locks.tryLock(['lapsed'], 10_000, 'w2');
    const held = await locks.release(
      [
        { relPath: 'kept', touched: true },
        { relPath: 'lapsed', touched: true },
        { relPath: 'untouched', touched: false },
      ],
      'w1',
    );
    assert.deepEqual(held, [true, false, false]);
    assert.deepEqual(await states.recheckPaths(), ['lapsed']);
    assert.deepEqual(await states.recheckMarks(['kept', 'lapsed']), [undefined, 'w1']);
    assert.deepEqual(await locks.tryLock(['kept', 'lapsed'], 10_000, 'w3'), [true, false]);
  });

  it('clears a recheck mark only with the lock, and only the mark the run resolved', async () => {
    const { redis, prefix } = open();
    const locks = new FileLocks(redis, prefix, 'job');
    const states = new FileStateStore(redis, prefix, 'job');
    await redis.hset(`${prefix}:job:recheck`, 'a', 'old-run', 'b', 'newer-run');
    await locks.tryLock(['a', 'b'], 10_000, 'w1');
    // `b` was marked again after w1 read its mark ('old-run'): that newer mark stays.
    await locks.release(
      [
        { relPath: 'a', touched: true, resolvedMark: 'old-run' },
        { relPath: 'b', touched: true, resolvedMark: 'old-run' },
      ],
      'w1',
    );
    assert.deepEqual(await states.recheckMarks(['a', 'b']), [undefined, 'newer-run']);
  });
});

describe('JobRecords', () => {
  it('counts a pass from its start to its end and starts the next from zero', async () => {
    const { redis, prefix } = open();
    const records = new JobRecords(redis, prefix, 'job');
    assert.equal((await records.read()).pass, 0);
    assert.equal(await records.startPass(1000), 1);
    await records.incrementBy({ seen: 10, new: 4, bytes: 2 ** 40 });
    await records.incrementBy({ seen: 5, failed: 1, updated: 0 });
    await records.incrementBy({}, { files: 10, bytes: 4096 });
    await records.incrementBy({ new: 0 }, { files: 2, bytes: 0 });
    assert.equal((await records.read()).scanned, false);
    await records.noteScanned();
    assert.equal((await records.read()).scanned, true);
    const ended = await records.endPass(7, 'digest-1', 2000);
    assert.deepEqual(ended, {
      pass: 1,
      startedAt: 1000,
      endedAt: 2000,
      counts: {
        seen: 15,
        new: 4,
        updated: 0,
        deleted: 0,
        excluded: 0,
        failed: 1,
        adopted: 0,
        kept: 0,
        skipped: 0,
        bytes: 2 ** 40,
      },
      queued: { files: 12, bytes: 4096 },
      scanned: true,
      directories: 7,
      settings: 'digest-1',
    });
    assert.equal(await records.startPass(3000), 2);
    const running = await records.read();
    assert.equal(running.endedAt, undefined);
    assert.equal(running.startedAt, 3000);
    assert.equal(running.counts.seen, 0);
    assert.deepEqual(running.queued, { files: 0, bytes: 0 });
    assert.equal(running.scanned, false);
    assert.equal(running.directories, 7, 'the directory count outlives the pass that counted it');
  });
});

describe('WriteHandles', () => {
  it('remembers one open handle per file until that handle is forgotten', async () => {
    const { redis, prefix } = open();
    const handles = new WriteHandles(redis, prefix, 'job');
    await handles.remember('big.bin', 'h1');
    assert.equal(await handles.get('big.bin'), 'h1');
    assert.equal(await handles.count(), 1);
    await handles.forget('big.bin', 'h1');
    assert.equal(await handles.get('big.bin'), undefined);
    assert.equal(await handles.count(), 0);
  });

  it('keeps the handle of a newer upload when an older one is forgotten', async () => {
    const { redis, prefix } = open();
    const handles = new WriteHandles(redis, prefix, 'job');
    await handles.remember('big.bin', 'old');
    await handles.remember('big.bin', 'new');
    await handles.forget('big.bin', 'old');
    assert.equal(await handles.get('big.bin'), 'new');
  });
});
