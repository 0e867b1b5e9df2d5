/** Typed results of the iRODS client's operations. Times are seconds since the epoch. */
import type { UploadMode } from '../core/upload-plan.js';

/** What `GET /info` reports (irods-http-api.md §4); uploads and query paging are sized from it. */
export interface ServerInfo {
  apiVersion: string;
  zone: string;
  /** `max_size_of_request_body_in_bytes`: hard cap of every request body. */
  maxRequestBodyBytes: number;
  /** `max_number_of_streams_per_parallel_write_handle`: most streams per parallel write. */
  maxStreamsPerParallelWrite: number;
  /** `max_number_of_rows_per_catalog_query`: most GenQuery rows per request. */
  maxRowsPerQuery: number;
}

export interface Permission {
  name: string;
  zone: string;
  /** `rodsuser`, `rodsadmin`, `groupadmin` or `rodsgroup`. */
  type: string;
  /** `own`, `modify_object`, `read_object`, ... */
  perm: string;
}

export interface CollectionStat {
  type: 'collection';
  path: string;
  modifiedAt: number;
  inheritanceEnabled: boolean;
  /** Absent when the stat went through GenQuery (paths with `+`). */
  permissions?: Permission[];
}

export interface DataObjectStat {
  type: 'data_object';
  path: string;
  /** Size of the latest good replica, in bytes. */
  size: number;
  /** `sha2:...` of the latest good replica; "" when none has been computed. */
  checksum: string;
  modifiedAt: number;
  /** Absent when the stat went through GenQuery (paths with `+`). */
  permissions?: Permission[];
}

export interface UploadResult {
  /** Bytes of the local file covered (the whole file, also for an append). */
  size: number;
  /** Bytes actually sent to iRODS. */
  bytesSent: number;
  /** `sha2:` + base64 SHA-256 of the whole local file as read during the upload. */
  sha2: string;
  mode: UploadMode;
}

export interface ChecksumComparison {
  /** What iRODS computed. */
  irods: string;
  /** The local `sha2:` value it was compared with. */
  local: string;
  match: boolean;
}

/** How a data object is removed (design.md "delete" policies). */
export const REMOVAL = {
  /** Catalog entries only; the files stay (`catalog-only=1`). */
  unregister: 'unregister',
  /** Moved to the zone's trash. */
  trash: 'trash',
  /** Deleted permanently (`no-trash=1`). */
  noTrash: 'no_trash',
} as const;

export type Removal = (typeof REMOVAL)[keyof typeof REMOVAL];

/** What metadata is attached to. */
export const ENTITY = {
  collection: 'collection',
  dataObject: 'data_object',
} as const;

export type EntityKind = (typeof ENTITY)[keyof typeof ENTITY];

export interface Avu {
  attribute: string;
  value: string;
  /** Omitted units equal "". */
  units?: string;
}

export interface MetadataOperation extends Avu {
  operation: 'add' | 'remove';
}

export interface RegisterOptions {
  /** Absolute path of the file on the iRODS server host. */
  physicalPath: string;
  /** Resource that will own the replica. */
  resource: string;
  /** Add a replica to an existing data object instead of creating one. */
  asAdditionalReplica?: boolean;
  /** Size to record; when absent the server stats the file. */
  dataSize?: number;
  /** Have the server compute and store the checksum. */
  checksum?: boolean;
}
