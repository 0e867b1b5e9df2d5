/**
 * The shared setup and end checks of the crash-safety tests (issue 3 acceptance): a put_sync job
 * over 5,000 small files and a few files large enough to go through parallel-write handles, run
 * by the real daemon on a test Redis with AOF (so the test can read the daemon's failure list)
 * against the emulator. What a test breaks in between differs; the checks at the end do not:
 *
 * - the target holds exactly the expected data objects, each with one replica (no extras, none
 *   missing, no duplicates), each with the local size and SHA-256 (recomputed by the server);
 * - the job's failure list is empty;
 * - the emulator holds no parallel-write handle and no reserved stream.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { IrodsClient } from '../../../src/irods/index.js';
import { FailureStore, WriteHandles } from '../../../src/state/index.js';
import { startEmulator, type TestEmulator } from '../../helpers/emulator.js';
import { eventually } from '../../helpers/eventually.js';
import { startIngestd, type Ingestd, type LogEvent } from '../../helpers/ingestd.js';
import { startRedis, type TestRedis } from '../../helpers/redis.js';

export const SMALL_FILES = 5_000;
const DIRECTORIES = 50;
/** Over the 8 MiB request body limit: three chunks, so three streams of one handle. */
const LARGE_FILE_BYTES = 20 * 1024 * 1024 + 12_345;
/** Directories holding one large file each, spread over the walk so uploads start at odd times. */
const LARGE_FILE_DIRS = [0, 15, 30, 45];
/** Small, so that the pass has hundreds of batches and a kill interrupts some of them. */
const FILES_PER_TASK = 10;
const KEY_PREFIX = 'crash-test';
export const JOB = 'crash';

export interface ExpectedObject {
  readonly size: number;
  readonly sha2: string;
}

export interface RigOptions {
  /** Run the daemon on its embedded Redis instead of a test Redis. @defaultValue false */
  readonly embeddedRedis?: boolean;
  /** @defaultValue SMALL_FILES */
  readonly smallFiles?: number;
  /** Add the large files (parallel writes). @defaultValue true */
  readonly largeFiles?: boolean;
  /** Allow ad-hoc jobs from the temporary directory into /tempZone/home/rods. @defaultValue false */
  readonly adhoc?: boolean;
}

export interface CrashRig {
  readonly emulator: TestEmulator;
  /** The test Redis; undefined when the daemon runs its embedded one. */
  readonly redis: TestRedis | undefined;
  /** The socket of the Redis the daemon uses (the embedded one's only while it runs). */
  readonly redisSocket: string;
  readonly daemon: Ingestd;
  readonly target: string;
  /** Logical path → what it must hold. */
  readonly expected: ReadonlyMap<string, ExpectedObject>;
  cleanUp(): Promise<void>;
}

const sha2Of = (bytes: Uint8Array) => `sha2:${createHash('sha256').update(bytes).digest('base64')}`;

/**
 * Writes the source tree and returns what each file must become in iRODS. Small files have
 * 0-2,000 random bytes (some empty), named by their directory and number.
 */
async function writeTree(
  source: string,
  target: string,
  { smallFiles = SMALL_FILES, largeFiles = true }: RigOptions,
): Promise<Map<string, ExpectedObject>> {
  const expected = new Map<string, ExpectedObject>();
  const perDirectory = smallFiles / DIRECTORIES;
  for (let d = 0; d < DIRECTORIES; d++) {
    const dir = `d${String(d).padStart(2, '0')}`;
    await mkdir(join(source, dir));
    const files: { name: string; bytes: Buffer }[] = [];
    for (let f = 0; f < perDirectory; f++) {
      files.push({ name: `f${f}.dat`, bytes: randomBytes((d * perDirectory + f) % 2_001) });
    }
    if (largeFiles && LARGE_FILE_DIRS.includes(d)) {
      files.push({ name: 'large.bin', bytes: randomBytes(LARGE_FILE_BYTES + d) });
    }
    await Promise.all(
      files.map(async ({ name, bytes }) => {
        await writeFile(join(source, dir, name), bytes);
        expected.set(`${target}/${dir}/${name}`, { size: bytes.length, sha2: sha2Of(bytes) });
      }),
    );
  }
  return expected;
}

export async function startRig(options: RigOptions = {}): Promise<CrashRig> {
  const emulator = await startEmulator();
  const redis = options.embeddedRedis ? undefined : await startRedis({ persistence: true });
  const source = await mkdtemp(join(tmpdir(), 'ingest-crash-src-'));
  const target = '/tempZone/home/rods/crash';
  const expected = await writeTree(source, target, options);
  const daemon = await startIngestd({
    emulator,
    redisUrl: redis?.url ?? 'embedded',
    keyPrefix: KEY_PREFIX,
    workers: 4,
    ...(options.adhoc
      ? { daemon: { adhoc_sources: [tmpdir()], adhoc_targets: ['/tempZone/home/rods'] } }
      : {}),
    jobs: [
      {
        name: JOB,
        source,
        target,
        operation: 'put_sync',
        checksum: 'verify',
        files_per_task: FILES_PER_TASK,
        rescan_interval: '0',
      },
    ],
  });
  return {
    emulator,
    redis,
    redisSocket: redis?.socketPath ?? daemon.embeddedRedisSocket,
    daemon,
    target,
    expected,
    async cleanUp() {
      await daemon.kill();
      await daemon.cleanUp();
      await emulator.stop();
      await redis?.stop();
      await rm(source, { recursive: true, force: true });
    },
  };
}

/** Resolves with the first log event after this call that `match` accepts. */
export function nextEvent(
  daemon: Ingestd,
  match: (event: LogEvent) => boolean,
  timeoutMs?: number,
): Promise<LogEvent> {
  const earlier = new Set(daemon.logs);
  return daemon.waitFor((event) => !earlier.has(event) && match(event), timeoutMs);
}

/** The daemon is up: Redis and iRODS connected, the job started. */
export const isRunning = (event: LogEvent) => event.message.startsWith('irods-ingestd running');

/** The number of the pass a "pass N started" line announces, if it is one. */
export function startedPass(event: LogEvent): number | undefined {
  const match = /^job \S+ pass (\d+) started/.exec(event.message);
  return match === null ? undefined : Number(match[1]);
}

export const isPassSummary = (event: LogEvent) => event.durationMs !== undefined;

/**
 * Resolves once an upload is writing through a parallel-write handle: the emulator holds a handle
 * and the daemon has remembered it (polled), or rejects. Killing the daemon before it remembered
 * the handle (the millisecond between the server's answer and that Redis write) leaves a handle
 * no one can find: the HTTP API offers no way to list them, so no fix on the client's side can
 * shut that one down.
 */
export async function parallelWriteInFlight(rig: CrashRig, timeoutMs = 30_000): Promise<void> {
  const redis = new Redis({ path: rig.redisSocket });
  const handles = new WriteHandles(redis, KEY_PREFIX, JOB);
  try {
    await eventually(
      'a parallel write in flight',
      async () =>
        (await rig.emulator.stats()).open_parallel_write_handles! > 0 &&
        (await handles.count()) > 0,
      { timeoutMs, intervalMs: 20 },
    );
  } finally {
    redis.disconnect();
  }
}

/** Runs `task` over `items` with at most `limit` at a time. */
async function eachLimited<T>(
  items: readonly T[],
  limit: number,
  task: (item: T) => Promise<void>,
) {
  let next = 0;
  const lane = async () => {
    while (next < items.length) await task(items[next++]!);
  };
  await Promise.all(Array.from({ length: limit }, lane));
}

/** The end checks every crash test shares; see the module comment. */
export async function assertIngestedExactlyOnce(rig: CrashRig): Promise<void> {
  const client = new IrodsClient({ url: rig.emulator.url, username: 'rods', password: 'rods' });
  const redis = new Redis({ path: rig.redisSocket });
  try {
    await client.connect();
    // First: a failure's message tells why an object below is missing or wrong.
    const failures = new FailureStore(redis, KEY_PREFIX, JOB);
    const listed = (await failures.list(10)).failures.map((f) => `${f.relPath}: ${f.message}`);
    assert.deepEqual(listed, [], `${await failures.count()} failures left`);

    const rows = await client.query.rows({
      select: ['COLL_NAME', 'DATA_NAME', 'DATA_REPL_NUM', 'DATA_SIZE'],
      where: [{ column: 'COLL_NAME', op: 'like', value: `${rig.target}/%` }],
    });
    const replicas = new Map<string, number>();
    const sizes = new Map<string, number>();
    for (const row of rows) {
      const path = `${row.COLL_NAME}/${row.DATA_NAME}`;
      replicas.set(path, (replicas.get(path) ?? 0) + 1);
      sizes.set(path, Number(row.DATA_SIZE));
    }
    const missing = [...rig.expected.keys()].filter((path) => !replicas.has(path));
    const extra = [...replicas.keys()].filter((path) => !rig.expected.has(path));
    const repeated = [...replicas].filter(([, count]) => count !== 1);
    assert.deepEqual(
      { missing: missing.slice(0, 10), extra: extra.slice(0, 10), repeated: repeated.slice(0, 10) },
      { missing: [], extra: [], repeated: [] },
      `${missing.length} missing, ${extra.length} extra, ${repeated.length} with several replicas`,
    );

    const wrong: string[] = [];
    await eachLimited([...rig.expected], 8, async ([path, want]) => {
      const checksum = await client.dataObjects.calculateChecksum(path, { force: true });
      if (sizes.get(path) !== want.size || checksum !== want.sha2) {
        wrong.push(`${path}: ${sizes.get(path)} B ${checksum}, want ${want.size} B ${want.sha2}`);
      }
    });
    assert.deepEqual(wrong.slice(0, 10), [], `${wrong.length} objects differ from their file`);

    const stats = await rig.emulator.stats();
    assert.equal(stats.open_parallel_write_handles, 0, 'parallel-write handles left open');
    assert.equal(stats.active_parallel_write_streams, 0, 'parallel-write streams left reserved');
  } finally {
    await client.close();
    redis.disconnect();
  }
}
