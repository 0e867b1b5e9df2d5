/**
 * The Redis stores of one job, opened together: what its passes, watcher and workers read and
 * write (each store owns its keys, src/state/keys.ts).
 */
import type { RedisClient } from './connection.js';
import { FailureStore } from './failure-store.js';
import { FileLocks } from './file-locks.js';
import { FileSettlement } from './file-settlement.js';
import { FileStateStore } from './file-state-store.js';
import { JobRecords } from './job-records.js';
import { WriteHandles } from './write-handles.js';

export interface JobStores {
  readonly states: FileStateStore;
  readonly failures: FailureStore;
  readonly locks: FileLocks;
  /** The record of the current (or last) pass and its counters. */
  readonly records: JobRecords;
  readonly settlement: FileSettlement;
  /** Open parallel-write handles, so a crashed upload's handle is shut down on the next try. */
  readonly handles: WriteHandles;
}

export function openJobStores(redis: RedisClient, prefix: string, jobName: string): JobStores {
  return {
    states: new FileStateStore(redis, prefix, jobName),
    failures: new FailureStore(redis, prefix, jobName),
    locks: new FileLocks(redis, prefix, jobName),
    records: new JobRecords(redis, prefix, jobName),
    settlement: new FileSettlement(redis, prefix, jobName),
    handles: new WriteHandles(redis, prefix, jobName),
  };
}
