/**
 * What travels through the queue: batches of entries of one directory, named by their text-form
 * relative paths (src/core/entry.ts `encodeRelPath`). Payloads carry no observation: the worker
 * looks at each file again when it runs, so it acts on what is on disk then, not on what the
 * scanner saw minutes earlier. They never carry secrets.
 */
import { decodeRelPath, encodeRelPath } from '../core/entry.js';

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

/**
 * Bytes past which a batch takes no further file. A batch is worked by one worker, one file after
 * the other, so large files share a batch only up to this: eight 64 MiB objects in one directory
 * went to one worker while three idled. Past 32 MiB a transfer outlasts a batch's own cost.
 */
export const BATCH_BYTES = 32 * 1024 * 1024;

/**
 * The batches that carry `paths` (text form) of one job: grouped by directory, so that a batch
 * never spans two, at most `filesPerTask` paths each, on their first attempt. With `sizes` (the
 * bytes each path's action reads, by index), a batch past BATCH_BYTES takes no further path.
 */
export function batchesFor(
  kind: BatchKind,
  job: { readonly name: string; readonly filesPerTask: number },
  pass: number,
  paths: readonly string[],
  sizes?: readonly number[],
): BatchPayload[] {
  const byDirectory = new Map<string, number[]>();
  paths.forEach((path, index) => {
    const dir = directoryOf(path);
    const siblings = byDirectory.get(dir);
    if (siblings === undefined) byDirectory.set(dir, [index]);
    else siblings.push(index);
  });
  const batches: BatchPayload[] = [];
  for (const siblings of byDirectory.values()) {
    let slice: string[] = [];
    let bytes = 0;
    for (const index of siblings) {
      if (slice.length === job.filesPerTask || (slice.length > 0 && bytes >= BATCH_BYTES)) {
        batches.push({ kind, job: job.name, pass, paths: slice, attempt: 1 });
        slice = [];
        bytes = 0;
      }
      slice.push(paths[index]!);
      bytes += sizes?.[index] ?? 0;
    }
    batches.push({ kind, job: job.name, pass, paths: slice, attempt: 1 });
  }
  return batches;
}

/** The text form of a path's directory (a tagged form may hold `/` in its base64). */
function directoryOf(path: string): string {
  if (path.charCodeAt(0) === 0) {
    const bytes = decodeRelPath(path);
    return encodeRelPath(bytes.subarray(0, Math.max(0, bytes.lastIndexOf(0x2f))));
  }
  return path.slice(0, Math.max(0, path.lastIndexOf('/')));
}
