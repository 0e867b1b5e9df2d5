/** Public surface of the iRODS HTTP API client. */
export { IrodsClient } from './client.js';
export { irodsErrorLabel } from './error-label.js';
export { IrodsError, IrodsOptionError, type IrodsErrorCode } from './errors.js';
export type { IrodsClientOptions } from './options.js';
export type { QueryOptions, QueryRow, QuerySpec } from './query.js';
export { GOOD_REPLICA, type ReplicaFacts } from './replica-facts.js';
export type { TransportCounters } from './transport.js';
export * from './types.js';
export {
  HANDLE_EVENTS,
  UNKNOWN_HANDLE,
  type HandleEvent,
  type HandleHook,
} from './parallel-handles.js';
export type { UploadOptions } from './upload.js';
