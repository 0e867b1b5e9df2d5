/** What a batch run needs (BatchDeps), for tests that call processBatch directly. */
import { after, before } from 'node:test';
import { Redis } from 'ioredis';
import type { JobConfig } from '../../../src/config/index.js';
import type { IrodsClient } from '../../../src/irods/index.js';
import type { Logger } from '../../../src/log.js';
import { Metrics } from '../../../src/metrics/index.js';
import { StatThread } from '../../../src/sources/stat-thread.js';
import {
  FailureStore,
  FileLocks,
  FileStateStore,
  FileSettlement,
  JobRecords,
  WriteHandles,
} from '../../../src/state/index.js';
import type { BatchDeps } from '../../../src/worker/batch.js';
import { startRedis, type TestRedis } from '../../helpers/redis.js';

export interface BatchDepsParts {
  readonly spec: JobConfig;
  readonly prefix: string;
  readonly owner: string;
  readonly client: IrodsClient;
  readonly services: Pick<BatchServices, 'redis' | 'stats'>;
  readonly logger: Logger;
}

/** The job's stores under `prefix`; deletes never refused, rescans ignored. */
export function batchDeps({
  spec,
  prefix,
  owner,
  client,
  services: { redis, stats },
  logger,
}: BatchDepsParts): BatchDeps {
  return {
    job: spec,
    client,
    states: new FileStateStore(redis, prefix, spec.name),
    failures: new FailureStore(redis, prefix, spec.name),
    records: new JobRecords(redis, prefix, spec.name),
    locks: new FileLocks(redis, prefix, spec.name),
    settlement: new FileSettlement(redis, prefix, spec.name),
    handles: new WriteHandles(redis, prefix, spec.name),
    owner,
    logger,
    metrics: new Metrics({ logger }),
    stats,
    deletesRefused: () => Promise.resolve(undefined),
    rescan: () => undefined,
  };
}

/** Lua script calls Redis has answered so far (EVALSHA, and EVAL when it lacked a script). */
export async function scriptCalls(redis: Redis): Promise<number> {
  const info = await redis.info('commandstats');
  const calls = (command: string) =>
    Number(new RegExp(`^cmdstat_${command}:calls=(\\d+)`, 'm').exec(info)?.[1] ?? 0);
  return calls('evalsha') + calls('eval');
}

/** The Redis server, connection and stat thread a suite's batch runs share. */
export interface BatchServices {
  server: TestRedis;
  redis: Redis;
  stats: StatThread;
}

/** Starts the services before the suite's tests and stops them after (see useClientFixture). */
export function useBatchServices(): BatchServices {
  const services = {} as BatchServices;
  before(async () => {
    services.server = await startRedis();
    services.redis = new Redis({ path: services.server.socketPath });
    services.stats = new StatThread();
  });
  after(async () => {
    await services.stats?.close();
    services.redis?.disconnect();
    await services.server?.stop();
  });
  return services;
}
