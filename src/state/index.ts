export {
  FileStateStore,
  type DirectoryShape,
  type RecordEntry,
  type UnlockedEntry,
} from './file-state-store.js';
export type { RecordedChildren } from './recorded-children.js';
export { packFields, packState } from './pack.js';
export { FailureStore, type FailurePage, type FileFailure } from './failure-store.js';
export { FileLocks } from './file-locks.js';
export { FileSettlement, type SettledFile } from './file-settlement.js';
export { WriteHandles } from './write-handles.js';
export { SourceRecords, type SourceRecord } from './source-record.js';
export { DeleteHolds, HOLDERS, type HoldInfo, type Holder } from './delete-holds.js';
export { CLAIM_RENEW_MS, TargetClaims, type ClaimConflict } from './target-claims.js';
export { JobRecords, type PassRecord } from './job-records.js';
export { openJobStores, type JobStores } from './job-stores.js';
export { LockLostError, StateCorruptError, StatePathError } from './errors.js';
export type { RecordedState } from '../core/decide.js';
export { queuePrefix } from './keys.js';
export { forgetJobKeys, jobKeys } from './forget-job.js';
export {
  REDIS_TOPOLOGIES,
  RedisConnector,
  releaseBullConnection,
  type BullConnection,
  type RedisClient,
  type RedisSettings,
  type RedisTopology,
} from './connection.js';
export { ensureSchema, refuseOtherLayout, SchemaError, SCHEMA_VERSION } from './schema.js';
export { JobRegistry } from './job-registry.js';
