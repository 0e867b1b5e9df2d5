/**
 * How to cut an upload into HTTP requests (irods-http-api.md §1.4, §5.2.2, §5.2.3). Every
 * request body must stay within the server's body limit (a larger one loses its connection
 * without an answer) and finish well within the server's whole-request deadline.
 */

export const UPLOAD_MODE = {
  /** One write request carries all bytes. */
  single: 'single',
  /** `parallel_write_init`, chunks spread over the handle's streams, `parallel_write_shutdown`. */
  parallel: 'parallel',
  /** One write request per chunk, each opening and closing the object (fallback). */
  sequential: 'sequential',
} as const;

export type UploadMode = (typeof UPLOAD_MODE)[keyof typeof UPLOAD_MODE];

/** Chunk size used when neither the caller nor the body limit asks for less: 8 MiB. */
export const DEFAULT_CHUNK_BYTES = 8 * 1024 * 1024;

/**
 * Bytes a multipart `write` spends on framing and its other parts (op, lpath, offset, truncate),
 * besides the data itself. Logical paths are at most 1087 bytes; the rest is boundaries and part
 * headers.
 */
export const MULTIPART_OVERHEAD_BYTES = 4096;

export interface UploadPlanInput {
  /** Size of the local file in bytes. */
  fileSize: number;
  /** First byte to send (0 for a full upload, the old size for an append). */
  startOffset: number;
  /** `max_size_of_request_body_in_bytes` from /info. */
  bodyLimit: number;
  /** `max_number_of_streams_per_parallel_write_handle` from /info. */
  streamLimit: number;
  /** Requested chunk size; default min(body limit, 8 MiB). */
  chunkBytes?: number | undefined;
  /** Requested number of parallel streams; default the server's per-handle maximum. */
  streams?: number | undefined;
  /** Server deadline per request, in seconds (30 by default on the server). */
  deadlineSeconds: number;
  /** The slowest transfer rate a request must still survive, in bytes per second. */
  minBytesPerSecond: number;
  /** Whether the logical path can travel in a header (see `isHeaderSafe`). */
  headerSafePath: boolean;
}

export interface UploadPlan {
  mode: typeof UPLOAD_MODE.single | typeof UPLOAD_MODE.parallel;
  /** Bytes per chunk (the last chunk may be shorter). */
  chunkBytes: number;
  /** Number of chunks to send (1 in single mode, also for an empty file). */
  chunkCount: number;
  /** Streams to open in parallel mode (1 in single mode). */
  streams: number;
  /**
   * Chunk size for the sequential fallback: the same as `chunkBytes` when chunks go in the header
   * form, smaller when the path forces the multipart form, whose framing counts against the limit.
   */
  sequentialChunkBytes: number;
}

export function planUpload(input: UploadPlanInput): UploadPlan {
  const remaining = Math.max(0, input.fileSize - input.startOffset);
  // Half the deadline at the slowest acceptable rate leaves room for the server's own work.
  const deadlineBytes = Math.floor((input.deadlineSeconds / 2) * input.minBytesPerSecond);
  const chunkBytes = Math.max(
    1,
    Math.min(input.chunkBytes ?? DEFAULT_CHUNK_BYTES, input.bodyLimit, deadlineBytes),
  );
  const multipartChunk = Math.max(
    1,
    Math.min(chunkBytes, input.bodyLimit - MULTIPART_OVERHEAD_BYTES),
  );
  const sequentialChunkBytes = input.headerSafePath ? chunkBytes : multipartChunk;
  const fitsOneRequest = input.headerSafePath
    ? remaining <= chunkBytes
    : remaining <= multipartChunk;
  if (fitsOneRequest) {
    return {
      mode: UPLOAD_MODE.single,
      chunkBytes: Math.max(remaining, 1),
      chunkCount: 1,
      streams: 1,
      sequentialChunkBytes,
    };
  }
  const chunkCount = Math.ceil(remaining / chunkBytes);
  const streams = Math.max(
    1,
    Math.min(input.streams ?? input.streamLimit, input.streamLimit, chunkCount),
  );
  return { mode: UPLOAD_MODE.parallel, chunkBytes, chunkCount, streams, sequentialChunkBytes };
}

/** Byte range of chunk `index` when `[startOffset, fileSize)` is cut into `chunkBytes` pieces. */
export function chunkRange(
  index: number,
  chunkBytes: number,
  startOffset: number,
  fileSize: number,
): { offset: number; length: number } {
  const offset = startOffset + index * chunkBytes;
  return { offset, length: Math.max(0, Math.min(chunkBytes, fileSize - offset)) };
}

/** Number of chunks of `chunkBytes` that cover `[startOffset, fileSize)`, at least 1. */
export function chunkCountFor(chunkBytes: number, startOffset: number, fileSize: number): number {
  return Math.max(1, Math.ceil((fileSize - startOffset) / chunkBytes));
}
