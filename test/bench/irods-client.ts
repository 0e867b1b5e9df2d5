/**
 * Client benchmarks (foundation issue): small-file register calls/s and 1 KiB put/s through
 * IrodsClient against the bare undici loop issuing the same requests, and large-upload MB/s
 * against a bare undici parallel-write stream of the same file and against `cp` on the same disk.
 * Each pair runs alternately, `reps` times, and the medians are compared.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdir, open, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { IrodsClient } from '../../src/irods/index.js';
import type { TestEmulator } from '../helpers/emulator.js';
import { BareApi } from './bare-api.js';
import { median, ownCpuSeconds, timeConcurrent, timeOnce, type BenchRow } from './measure.js';

export interface ClientBenchOptions {
  emulator: TestEmulator;
  workDir: string;
  smallFiles: number;
  largeMiB: number;
  concurrency: number;
  reps: number;
}

const home = '/tempZone/home/rods';

export interface BareRegisterRun {
  /** Registrations per second. */
  perSec: number;
  /** Machine CPU seconds per registration: the loop's process plus the emulator. */
  cpuPerCall: number;
}

/** The mtime the register-and-touch loop sets (any fixed time; the daemon's is the file's). */
const TOUCHED_AT = 1_600_000_000;

/**
 * One run of the bare undici register loop: each physical path registered once under
 * `collection` (which must exist), `concurrency` at a time. The sync benchmark runs it next to
 * the daemon's register pass, on the daemon's emulator, as the ceiling that pass is held to.
 * With `touch`, each registration is followed by a `touch` of the new object: the same two
 * requests per file as the daemon sends for a new file. `perSec` and `cpuPerCall` then count
 * files, not calls.
 */
export async function bareRegisterRun(
  bare: BareApi,
  emulator: TestEmulator,
  collection: string,
  physicalPaths: readonly string[],
  concurrency: number,
  { touch = false }: { touch?: boolean } = {},
): Promise<BareRegisterRun> {
  const machineCpu = async () => ownCpuSeconds() + (await emulator.stats()).cpu_seconds!;
  const n = physicalPaths.length;
  const cpuBefore = await machineCpu();
  const seconds = await timeConcurrent(n, concurrency, async (i) => {
    const lpath = `${collection}/f${i}`;
    await bare.register(lpath, physicalPaths[i]!, 'demoResc', 1024);
    if (touch) await bare.touch(lpath, TOUCHED_AT);
  });
  return { perSec: n / seconds, cpuPerCall: ((await machineCpu()) - cpuBefore) / n };
}

export async function benchClient(o: ClientBenchOptions): Promise<BenchRow[]> {
  const bare = new BareApi(o.emulator.url, o.concurrency);
  await bare.login('rods', 'rods');
  const client = new IrodsClient({
    url: o.emulator.url,
    username: 'rods',
    password: 'rods',
    connections: o.concurrency,
  });
  await client.connect();
  try {
    const small = join(o.workDir, 'small');
    await mkdir(small, { recursive: true });
    const kib = randomBytes(1024);
    for (let i = 0; i < o.smallFiles; i++) await writeFile(join(small, `f${i}`), kib);

    const regBare: number[] = [];
    const regClient: number[] = [];
    const putBare: number[] = [];
    const putClient: number[] = [];
    for (let rep = 0; rep < o.reps; rep++) {
      const coll = `${home}/bench-${rep}`;
      for (const side of ['bare', 'client']) await client.collections.ensure(`${coll}/${side}-reg`);
      for (const side of ['bare', 'client']) await client.collections.ensure(`${coll}/${side}-put`);
      const n = o.smallFiles;
      const paths = Array.from({ length: n }, (_, i) => join(small, `f${i}`));
      regBare.push(
        (await bareRegisterRun(bare, o.emulator, `${coll}/bare-reg`, paths, o.concurrency)).perSec,
      );
      regClient.push(
        n /
          (await timeConcurrent(n, o.concurrency, (i) =>
            client.dataObjects.register(`${coll}/client-reg/f${i}`, {
              physicalPath: join(small, `f${i}`),
              resource: 'demoResc',
              dataSize: 1024,
            }),
          )),
      );
      putBare.push(
        n /
          (await timeConcurrent(n, o.concurrency, async (i) => {
            const file = await open(join(small, `f${i}`));
            try {
              await bare.write(`${coll}/bare-put/f${i}`, await file.readFile());
            } finally {
              await file.close();
            }
          })),
      );
      putClient.push(
        n /
          (await timeConcurrent(n, o.concurrency, async (i) => {
            await client.upload(join(small, `f${i}`), `${coll}/client-put/f${i}`);
          })),
      );
    }

    const large = join(o.workDir, 'large.bin');
    await writeLargeFile(large, o.largeMiB);
    const bytes = o.largeMiB * 1024 * 1024;
    const { maxRequestBodyBytes: bodyLimit, maxStreamsPerParallelWrite: streams } =
      client.serverInfo;
    const chunk = Math.min(bodyLimit, 8 * 1024 * 1024);
    const mbps = (seconds: number) => bytes / 1e6 / seconds;
    const upBare: number[] = [];
    const upClient: number[] = [];
    const cp: number[] = [];
    for (let rep = 0; rep < o.reps; rep++) {
      upBare.push(
        mbps(
          await timeOnce(() =>
            bare.uploadParallel(`${home}/large-bare`, large, bytes, chunk, streams),
          ),
        ),
      );
      upClient.push(mbps(await timeOnce(() => client.upload(large, `${home}/large-client`))));
      const copy = `${large}.cp`;
      cp.push(mbps(await timeOnce(() => promisify(execFile)('cp', [large, copy]))));
      await rm(copy);
    }
    const regBareRow = { name: 'bare undici register loop', value: median(regBare) };
    const putBareRow = { name: 'bare undici 1 KiB write loop', value: median(putBare) };
    const rows: BenchRow[] = [
      { name: 'client register', value: median(regClient), unit: 'calls/s', baseline: regBareRow },
      { name: 'client 1 KiB put', value: median(putClient), unit: 'files/s', baseline: putBareRow },
      {
        name: `client upload ${o.largeMiB} MiB`,
        value: median(upClient),
        unit: 'MB/s',
        baseline: { name: 'bare undici parallel-write stream', value: median(upBare) },
        goal: '>= 0.8x',
      },
      {
        name: `client upload ${o.largeMiB} MiB`,
        value: median(upClient),
        unit: 'MB/s',
        baseline: { name: 'cp on the same disk', value: median(cp) },
      },
    ];
    return rows;
  } finally {
    await client.close();
    await bare.close();
  }
}

/** A file of `mib` MiB of random bytes (one random MiB repeated, so creating it is fast). */
async function writeLargeFile(path: string, mib: number): Promise<void> {
  const block = randomBytes(1024 * 1024);
  const file = await open(path, 'w');
  try {
    for (let i = 0; i < mib; i++) {
      block.writeUInt32LE(i, 0);
      await file.write(block);
    }
  } finally {
    await file.close();
  }
}
