/**
 * S3 `put_sync`: MB/s of the daemon streaming objects from s3rver into the emulator, against a
 * bare loop over the same objects on the same emulator: one GetObject per object, its body
 * handed to IrodsClient.upload as it arrives (no ranged GETs, no state, no queue). Both keep
 * PUT_WORKERS objects in flight. The daemon sends the objects `REPS` times (a fresh job and
 * target each time) and the loop runs before, between and after those passes; each side's median
 * is taken: this machine's speed drifts over minutes and one run can be off by a third (sync.ts).
 * The daemon is timed by its pass summary (listing, queue and uploads; checksum = "none", so
 * neither side asks iRODS for a checksum).
 */
import type { Readable } from 'node:stream';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import type { ByteReader } from '../../src/core/byte-source.js';
import { IrodsClient } from '../../src/irods/index.js';
import type { TestEmulator } from '../helpers/emulator.js';
import type { TestS3 } from '../helpers/s3.js';
import { median, timeConcurrent, type BenchRow } from './measure.js';
import { runJob } from './sync.js';

const BUCKET = 'bench-put';
const home = '/tempZone/home/rods';
/** Objects in flight: the daemon's workers, and the bare loop's concurrency. */
const PUT_WORKERS = 4;
/** Passes of the daemon, each with a run of the bare loop before it (and one after the last). */
const REPS = 3;

export interface S3PutBenchOptions {
  readonly s3: TestS3;
  readonly emulator: TestEmulator;
  readonly workDir: string;
  readonly objects: number;
  readonly mib: number;
  readonly say: (text: string) => void;
}

export async function benchS3Put(o: S3PutBenchOptions): Promise<BenchRow> {
  await o.s3.createBucket(BUCKET);
  const block = Buffer.alloc(o.mib * 1024 * 1024);
  for (let i = 0; i < o.objects; i++) {
    for (let at = 0; at < block.length; at += 4096) block.writeUInt32LE(i * 1e6 + at, at);
    await o.s3.writeDirect(BUCKET, objectKey(i), block);
  }
  const bytes = o.objects * block.length;
  const mbps = (seconds: number) => bytes / 1e6 / seconds;
  const client = new IrodsClient({
    url: o.emulator.url,
    username: 'rods',
    password: 'rods',
  });
  await client.connect();
  const bareRuns: number[] = [];
  const daemonRuns: number[] = [];
  const bare = async () => {
    const collection = `${home}/bench-s3-bare-${bareRuns.length}`;
    await client.collections.ensure(collection);
    bareRuns.push(mbps(await bareLoop(o, client, collection)));
  };
  const credentialsFile = await o.s3.credentialsFile('bench-put');
  try {
    for (let rep = 0; rep < REPS; rep++) {
      await bare();
      const run = await runJob({ workDir: o.workDir, workers: PUT_WORKERS }, o.emulator, 1, {
        source: `s3://${BUCKET}`,
        target: `${home}/bench-s3-put-${rep}`,
        operation: 'put_sync',
        rescanInterval: '0',
        s3: { endpoint: o.s3.endpoint, credentialsFile },
      });
      const [pass] = run.passes;
      if (pass?.new !== o.objects) throw new Error(`put_sync sent ${pass?.new} objects`);
      daemonRuns.push(mbps(pass.durationMs / 1000));
    }
    await bare();
    const show = (runs: number[]) => runs.map((value) => value.toFixed(0)).join(', ');
    o.say(`s3: put_sync runs at ${show(daemonRuns)} MB/s, the bare loop at ${show(bareRuns)}`);
    return {
      name: `S3 put_sync, ${o.objects} objects of ${o.mib} MiB, ${PUT_WORKERS} at a time`,
      value: median(daemonRuns),
      unit: 'MB/s',
      baseline: { name: 'a bare GetObject->IrodsClient.upload loop', value: median(bareRuns) },
      goal: '>= 0.8x',
    };
  } finally {
    await client.close();
  }
}

function objectKey(i: number): string {
  return `o${String(i).padStart(4, '0')}.bin`;
}

async function bareLoop(o: S3PutBenchOptions, client: IrodsClient, collection: string) {
  return timeConcurrent(o.objects, PUT_WORKERS, async (i) => {
    const key = objectKey(i);
    const answer = await o.s3.client().send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
    const reader = new BodyReader(answer.Body as Readable);
    await client.upload(
      { name: `s3://${BUCKET}/${key}`, size: answer.ContentLength ?? 0, reader },
      `${collection}/${key}`,
    );
  });
}

/** One response body read in order; the bare loop has no retries, so nothing is read twice. */
class BodyReader implements ByteReader {
  readonly #body: Readable;
  readonly #chunks: AsyncIterator<Buffer>;
  #leftover: Buffer | undefined;
  #position = 0;

  constructor(body: Readable) {
    this.#body = body;
    this.#chunks = body[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  }

  async read(buffer: Uint8Array, offset: number, length: number, position: number) {
    if (position !== this.#position) throw new Error(`read at ${position}, not ${this.#position}`);
    let filled = 0;
    while (filled < length) {
      let piece = this.#leftover;
      this.#leftover = undefined;
      if (piece === undefined) {
        const next = await this.#chunks.next();
        if (next.done === true) break;
        piece = next.value;
      }
      const take = Math.min(piece.length, length - filled);
      buffer.set(piece.subarray(0, take), offset + filled);
      if (take < piece.length) this.#leftover = piece.subarray(take);
      filled += take;
    }
    this.#position += filled;
    return { bytesRead: filled };
  }

  close(): Promise<void> {
    this.#body.destroy();
    return Promise.resolve();
  }
}
