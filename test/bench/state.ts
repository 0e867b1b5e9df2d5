/**
 * Redis memory per tracked file: records a generated tree through FileStateStore (directories of
 * 100 entries, names of 20 to 40 bytes, states with a ctime: the larger form) and compares INFO
 * memory before and after.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { FileStateStore, type RecordEntry } from '../../src/state/index.js';
import { startRedis } from '../helpers/redis.js';

export interface StateMemory {
  files: number;
  directories: number;
  bytesPerFile: number;
  usedMemoryDelta: number;
}

const FILES_PER_DIRECTORY = 100;
const BATCH = 1000;
const encoder = new TextEncoder();

/** A name of 20 to 40 bytes, varied like real data file names. */
function fileName(dir: number, index: number): string {
  const base = `sample_${dir}_${index}_`;
  const stem = `${base}${'abcdefghijklmnopqrstuvwxyz'.slice(0, (dir * 7 + index * 13) % 21)}`;
  const name = `${stem}.dat`;
  return name.length < 20 ? name.padStart(20, 'r') : name.slice(-40);
}

/** INFO memory's used_memory, in bytes. */
export async function usedMemory(redis: Redis): Promise<number> {
  const info = await redis.info('memory');
  const match = /^used_memory:(\d+)/m.exec(info);
  if (!match) throw new Error('INFO memory has no used_memory line');
  return Number(match[1]);
}

/** Records `files` files on `redis` under a fresh prefix and measures what they cost. */
export async function measureStateMemory(redis: Redis, files: number): Promise<StateMemory> {
  const store = new FileStateStore(redis, `bench-${randomUUID()}`, 'job');
  // Load the scripts first, so their cache entries do not count as state.
  await store.getMany([encoder.encode('warm-up')]);
  const before = await usedMemory(redis);
  const directories = Math.ceil(files / FILES_PER_DIRECTORY);
  let batch: RecordEntry[] = [];
  for (let i = 0; i < files; i++) {
    const dir = Math.floor(i / FILES_PER_DIRECTORY);
    const name = fileName(dir, i % FILES_PER_DIRECTORY);
    batch.push({
      relPath: encoder.encode(`project-${dir % 10}/run-${dir}/${name}`),
      state: {
        type: 'file',
        size: (i * 7919) % 50_000_000,
        mtimeNs: 1_700_000_000_000_000_000n + BigInt(i) * 1_000_003n,
        ino: 1_000_000n + BigInt(i),
        ctimeNs: 1_700_000_100_000_000_000n + BigInt(i) * 999_983n,
      },
    });
    if (batch.length === BATCH) {
      await store.record(batch);
      batch = [];
    }
  }
  await store.record(batch);
  const usedMemoryDelta = (await usedMemory(redis)) - before;
  return { files, directories, usedMemoryDelta, bytesPerFile: usedMemoryDelta / files };
}

/** The benchmark's figure: bytes of Redis memory per tracked file, on a private redis-server. */
export async function benchStateMemory(files: number): Promise<StateMemory> {
  const server = await startRedis();
  const redis = new Redis({ path: server.socketPath });
  try {
    return await measureStateMemory(redis, files);
  } finally {
    redis.disconnect();
    await server.stop();
  }
}
