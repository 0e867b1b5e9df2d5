/**
 * What travels through the queue: batches of entries of one directory, named by their text-form
 * relative paths (src/core/entry.ts `encodeRelPath`). Payloads carry no observation: the worker
 * looks at each file again when it runs, so it acts on what is on disk then, not on what the
 * scanner saw minutes earlier. They never carry secrets.
 */

export const BATCH_KINDS = {
  /** Bring these entries in line with their source (create, update, upload, register). */
  sync: 'sync',
  /** These entries vanished from a completely scanned directory: apply the delete policy. */
  delete: 'delete',
} as const;
export type BatchKind = (typeof BATCH_KINDS)[keyof typeof BATCH_KINDS];

export interface BatchPayload {
  readonly kind: BatchKind;
  /** The ingest job (config `[[job]] name`). */
  readonly job: string;
  /** The pass that queued it; a retry keeps its pass. */
  readonly pass: number;
  /** Relative paths, text form; at most files_per_task of them, all in one directory. */
  readonly paths: readonly string[];
  /** 1 for the first try; retries of retryable failures count up. */
  readonly attempt: number;
}
