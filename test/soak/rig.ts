/**
 * What the soak runs: a Redis with AOF (the daemons' shared queue and state, killed once), the
 * iRODS emulator, the daemon (`role = "all"`) with a `put_sync` job and a `register` job, and for
 * a while a second daemon with `role = "worker"`. Everything comes from the test helpers, so it
 * dies with the soak process.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { startEmulator, type TestEmulator } from '../helpers/emulator.js';
import { startIngestd, type Ingestd, type IngestdSpec, type JobSpec } from '../helpers/ingestd.js';
import { startRedis, type TestRedis } from '../helpers/redis.js';

export interface SoakJob {
  readonly name: string;
  readonly source: string;
  readonly target: string;
  readonly operation: 'put_sync' | 'register';
}

export interface SoakRig {
  readonly redis: TestRedis;
  readonly emulator: TestEmulator;
  readonly jobs: readonly SoakJob[];
  /** The `role = "all"` daemon's spec; the worker's is derived from it (workerSpec). */
  readonly daemonSpec: IngestdSpec;
}

const HOME = '/tempZone/home/rods';

export async function startRig(workDir: string, rescanInterval: string): Promise<SoakRig> {
  const jobs: SoakJob[] = [
    {
      name: 'soak-put',
      source: join(workDir, 'put'),
      target: `${HOME}/soak-put`,
      operation: 'put_sync',
    },
    {
      name: 'soak-reg',
      source: join(workDir, 'reg'),
      target: `${HOME}/soak-reg`,
      operation: 'register',
    },
  ];
  for (const job of jobs) await mkdir(job.source, { recursive: true });
  const redis = await startRedis({ persistence: true });
  const emulator = await startEmulator({ root: join(workDir, 'irods') });
  const jobSpecs: JobSpec[] = jobs.map((job) => ({
    ...job,
    delete: job.operation === 'put_sync' ? 'no_trash' : 'unregister',
    checksum: job.operation === 'put_sync' ? 'verify' : 'register',
    watch: true,
    settle: '1s',
    rescan_interval: rescanInterval,
  }));
  const daemonSpec: IngestdSpec = {
    emulator,
    redisUrl: redis.url,
    keyPrefix: 'soak',
    workers: 4,
    logLevel: process.env.SOAK_LOG_LEVEL ?? 'info',
    jobs: jobSpecs,
  };
  return { redis, emulator, jobs, daemonSpec };
}

/**
 * The worker-role daemon's config: no `[[job]]` at all, as on a worker host. It reads the jobs'
 * definitions from Redis, where the `role = "all"` daemon wrote them.
 */
export function workerSpec(daemonSpec: IngestdSpec): IngestdSpec {
  return { ...daemonSpec, jobs: [], workers: 2, daemon: { role: 'worker' } };
}

export function startDaemon(spec: IngestdSpec): Promise<Ingestd> {
  return startIngestd(spec);
}

/** The daemon announced it is up (config, Redis, iRODS, jobs). */
export const isRunning = (event: { message: string }) =>
  event.message.startsWith('irods-ingestd running');
