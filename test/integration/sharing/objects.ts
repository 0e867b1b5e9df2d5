/**
 * What the worker-host tests write and check: source files of random bytes, and the objects the
 * emulator holds under a target, compared with them (every file present once, its size and
 * SHA-256 as the server computes them).
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { IrodsClient } from '../../../src/irods/index.js';
import type { TestEmulator } from '../../helpers/emulator.js';
import { eventually } from '../../helpers/eventually.js';
import type { LogEvent } from '../../helpers/ingestd.js';

/** The daemon is up: Redis and iRODS connected, its jobs started. */
export const isRunning = (event: LogEvent) => event.message.startsWith('irods-ingestd running');

/** Writes `count` files of 0-3,000 random bytes under `dir`; relative path → bytes. */
export async function writeFiles(dir: string, count: number): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>();
  await mkdir(dir, { recursive: true });
  for (let i = 0; i < count; i++) {
    const bytes = randomBytes(i % 3_001);
    await writeFile(join(dir, `f${i}.dat`), bytes);
    files.set(`f${i}.dat`, bytes);
  }
  return files;
}

async function withClient<T>(emulator: TestEmulator, use: (c: IrodsClient) => Promise<T>) {
  const client = new IrodsClient({ url: emulator.url, username: 'rods', password: 'rods' });
  try {
    await client.connect();
    return await use(client);
  } finally {
    await client.close();
  }
}

/** Replicas of data objects anywhere below `target`: logical path → [count, size]. */
async function objects(client: IrodsClient, target: string): Promise<Map<string, number[]>> {
  const rows = await client.query.rows({
    select: ['COLL_NAME', 'DATA_NAME', 'DATA_SIZE'],
    where: [{ column: 'COLL_NAME', op: 'like', value: `${target}%` }],
  });
  const found = new Map<string, number[]>();
  for (const row of rows) {
    const path = `${row.COLL_NAME}/${row.DATA_NAME}`;
    const [count = 0] = found.get(path) ?? [];
    found.set(path, [count + 1, Number(row.DATA_SIZE)]);
  }
  return found;
}

/** How many data objects lie below `target` now. */
export function landed(emulator: TestEmulator, target: string): Promise<number> {
  return withClient(emulator, async (client) => (await objects(client, target)).size);
}

/** Waits until every file of `expected` (relative to `target`) is there, then checks them all. */
export async function assertObjects(
  emulator: TestEmulator,
  target: string,
  expected: ReadonlyMap<string, Buffer>,
): Promise<void> {
  await withClient(emulator, async (client) => {
    const want = new Map([...expected].map(([relPath, bytes]) => [`${target}/${relPath}`, bytes]));
    let found = new Map<string, number[]>();
    await eventually(
      () => `${want.size} objects under ${target}, ${found.size} there`,
      async () => {
        found = await objects(client, target);
        return [...want.keys()].every((path) => found.has(path));
      },
      { timeoutMs: 240_000, intervalMs: 250 },
    );
    const extra = [...found.keys()].filter((path) => !want.has(path));
    const repeated = [...found].filter(([, [count]]) => count !== 1).map(([path]) => path);
    assert.deepEqual({ extra, repeated }, { extra: [], repeated: [] });
    const wrong: string[] = [];
    for (const [path, bytes] of want) {
      const sha2 = `sha2:${createHash('sha256').update(bytes).digest('base64')}`;
      const checksum = await client.dataObjects.calculateChecksum(path, { force: true });
      if (found.get(path)![1] !== bytes.length || checksum !== sha2) wrong.push(path);
    }
    assert.deepEqual(wrong.slice(0, 10), [], `${wrong.length} objects differ from their file`);
  });
}
