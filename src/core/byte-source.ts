/**
 * What an upload reads from: a local file, or an object in an S3 bucket streamed while it is
 * sent. The uploader reads it in order, chunk after chunk, and again at a chunk's position when
 * that chunk is retried; an open local file (a FileHandle) already has this shape.
 */

export interface ByteReader {
  /** Reads up to `length` bytes at `position` into `buffer` from `offset` on. */
  read(
    buffer: Uint8Array,
    offset: number,
    length: number,
    position: number,
  ): Promise<{ bytesRead: number }>;
  close(): Promise<void>;
}

/** A source of bytes opened for one upload. */
export interface OpenedSource {
  /** How messages name it: a local path, or `s3://bucket/key`. */
  readonly name: string;
  /** Its size when it was opened: what the upload sends. */
  readonly size: number;
  readonly reader: ByteReader;
}
