/** What a batch run needs (BatchDeps), for tests that call processBatch directly. */
import type { Redis } from 'ioredis';
import type { JobConfig } from '../../../src/config/index.js';
import type { IrodsClient } from '../../../src/irods/index.js';
import type { Logger } from '../../../src/log.js';
import { Metrics } from '../../../src/metrics/index.js';
import type { StatThread } from '../../../src/sources/stat-thread.js';
import {
  FailureStore,
  FileLocks,
  FileStateStore,
  FileSettlement,
  JobRecords,
  WriteHandles,
} from '../../../src/state/index.js';
import type { BatchDeps } from '../../../src/worker/batch.js';

export interface BatchDepsParts {
  readonly spec: JobConfig;
  readonly prefix: string;
  readonly owner: string;
  readonly client: IrodsClient;
  readonly redis: Redis;
  readonly stats: StatThread;
  readonly logger: Logger;
}

/** The job's stores under `prefix`; deletes never refused, rescans ignored. */
export function batchDeps({
  spec,
  prefix,
  owner,
  client,
  redis,
  stats,
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
