/**
 * S3 sources, on one s3rver and one emulator:
 * - Listing: keys/s of the daemon's listing (parallel over common prefixes) against a plain
 *   sequential ListObjectsV2 loop over the same bucket, both through a proxy that adds 20 ms per
 *   request, as a real region does; after a warm-up, three runs each, alternated, medians
 *   compared. Pages of 100 keys: s3rver spends 100-180 ms of CPU on a 1,000-key page and tops
 *   out near 7-10k keys/s on two cores, which would hide any parallelism
 *   (research/s3-test-server.md); with small pages the page latency is the limit, as in a region.
 * - Redis memory per tracked key: a `register` pass of the listing bucket (straight to s3rver,
 *   no proxy) into the emulator's S3 resource, measured as for files (sync.ts): used_memory after
 *   the daemon stopped minus before it started, over the keys the state store tracks.
 * - `put_sync` MB/s against a bare GetObject->upload loop (s3-put.ts).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { S3Source } from '../../src/sources/s3-source.js';
import { startEmulator } from '../helpers/emulator.js';
import { startS3, type TestS3 } from '../helpers/s3.js';
import { startS3Proxy } from '../helpers/s3-proxy.js';
import { median, type BenchRow } from './measure.js';
import { benchS3Put } from './s3-put.js';
import { runJob } from './sync.js';

const BUCKET = 'bench-listing';
const PAGE_KEYS = 100;
const DELAY_MS = 20;
/** Runs of each listing; the medians are compared. */
const LISTING_REPS = 3;

export interface S3BenchOptions {
  /** Keys in the listing bucket, spread over `prefixes` prefixes. */
  readonly keys: number;
  readonly prefixes: number;
  /** Objects of `putMiB` MiB each sent by `put_sync`. */
  readonly putObjects: number;
  readonly putMiB: number;
  /** `daemon.workers` of the register pass. */
  readonly workers: number;
  readonly say: (text: string) => void;
}

export async function benchS3(options: S3BenchOptions): Promise<BenchRow[]> {
  const s3 = await startS3();
  const workDir = await mkdtemp(join(tmpdir(), 'ingest-bench-s3-'));
  try {
    const rows = await benchS3Listing(s3, options);
    const resources = [
      { name: 'demoResc', type: 'unixfilesystem' },
      { name: 's3resc', type: 's3', vault_path: `/${BUCKET}`, context: await s3.irodsContext() },
    ];
    const emulator = await startEmulator({ config: { emulator: { resources } } });
    try {
      options.say(`s3: a register pass of the ${options.keys}-key bucket, Redis memory`);
      const register = await runJob({ workDir, workers: options.workers }, emulator, 1, {
        source: `s3://${BUCKET}`,
        target: '/tempZone/home/rods/bench-s3-register',
        operation: 'register',
        rescanInterval: '0',
        resource: 's3resc',
        s3: { endpoint: s3.endpoint, credentialsFile: await s3.credentialsFile('bench') },
      });
      if (register.tracked < options.keys) {
        throw new Error(`the register pass tracks ${register.tracked} keys`);
      }
      rows.push({
        name: `Redis after an S3 register pass (${register.tracked} tracked)`,
        value: register.memoryDelta / register.tracked,
        unit: 'B/key',
        goal: '<= 100 B',
      });
      options.say(
        `s3: put_sync of ${options.putObjects} objects of ${options.putMiB} MiB, against a bare GetObject->upload loop`,
      );
      rows.push(
        await benchS3Put({
          s3,
          emulator,
          workDir,
          objects: options.putObjects,
          mib: options.putMiB,
          say: options.say,
        }),
      );
    } finally {
      await emulator.stop();
    }
    return rows;
  } finally {
    await s3.stop();
    await rm(workDir, { recursive: true, force: true });
  }
}

async function benchS3Listing(s3: TestS3, options: S3BenchOptions): Promise<BenchRow[]> {
  await s3.createBucket(BUCKET);
  const started = performance.now();
  await fill(s3, options);
  options.say(
    `s3: wrote ${options.keys} keys in ${options.prefixes} prefixes in ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
  const proxy = await startS3Proxy(s3.endpoint, DELAY_MS);
  try {
    // One untimed run each first: the first listing of a fresh bucket ran a third slower on
    // both sides (s3rver's caches and JIT warming). Then alternated, and the medians taken: one
    // run can be off by a third on this machine (sync.ts).
    await sequentialLoop(proxy.endpoint);
    await daemonListing(s3, proxy.endpoint);
    const sequential: number[] = [];
    const parallel: number[] = [];
    for (let rep = 0; rep < LISTING_REPS; rep++) {
      sequential.push(
        await keysPerSecond('sequential', options, () => sequentialLoop(proxy.endpoint)),
      );
      parallel.push(
        await keysPerSecond('parallel', options, () => daemonListing(s3, proxy.endpoint)),
      );
    }
    const show = (runs: number[]) => runs.map((value) => value.toFixed(0)).join(', ');
    options.say(`s3: the daemon listed ${show(parallel)} keys/s, the loop ${show(sequential)}`);
    // A region's listing is bound by page latency: pages in flight x keys per page / latency.
    return [
      {
        name: `S3 listing, ${options.keys} keys in ${options.prefixes} prefixes, ${PAGE_KEYS}-key pages, +${DELAY_MS} ms per request`,
        value: median(parallel),
        unit: 'keys/s',
        baseline: { name: 'a sequential ListObjectsV2 loop', value: median(sequential) },
        goal: '>= 2.5x',
      },
    ];
  } finally {
    await proxy.stop();
  }
}

async function fill(s3: TestS3, { keys, prefixes }: S3BenchOptions): Promise<void> {
  const writes: Promise<void>[] = [];
  for (let i = 0; i < keys; i++) {
    const prefix = `p${String(i % prefixes).padStart(4, '0')}`;
    writes.push(s3.writeDirect(BUCKET, `${prefix}/k${String(i).padStart(7, '0')}`, 'x'));
    if (writes.length >= 64) await Promise.all(writes.splice(0));
  }
  await Promise.all(writes);
}

async function keysPerSecond(
  name: string,
  options: S3BenchOptions,
  run: () => Promise<number>,
): Promise<number> {
  const started = performance.now();
  const keys = await run();
  if (keys !== options.keys) throw new Error(`the ${name} listing found ${keys} keys`);
  return keys / ((performance.now() - started) / 1000);
}

/** The baseline: one ListObjectsV2 after the other over the whole bucket, no delimiter. */
async function sequentialLoop(endpoint: string): Promise<number> {
  const client = new S3Client({
    endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
  });
  let keys = 0;
  let token: string | undefined;
  try {
    do {
      const page = await client.send(
        new ListObjectsV2Command({
          Bucket: BUCKET,
          MaxKeys: PAGE_KEYS,
          ...(token === undefined ? {} : { ContinuationToken: token }),
        }),
      );
      keys += page.Contents?.length ?? 0;
      token = page.IsTruncated === true ? page.NextContinuationToken : undefined;
    } while (token !== undefined);
  } finally {
    client.destroy();
  }
  return keys;
}

/** The daemon's listing (sources/s3-listing.ts), as a pass consumes it. */
async function daemonListing(s3: TestS3, endpoint: string): Promise<number> {
  const source = new S3Source(
    `s3://${BUCKET}`,
    {
      endpoint,
      region: 'us-east-1',
      path_style: true,
      credentials_file: await s3.credentialsFile('bench'),
      profile: 'default',
      insecure: false,
    },
    { listing: { pageKeys: PAGE_KEYS } },
  );
  let keys = 0;
  try {
    for await (const chunk of source.scan({
      exclude: [],
      excludeTypes: [],
      followSymlinks: false,
    })) {
      keys += chunk.entries.filter((entry) => entry.type === 'file').length;
    }
  } finally {
    await source.close();
  }
  return keys;
}
