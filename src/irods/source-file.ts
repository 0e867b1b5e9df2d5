/**
 * The source of an upload (a local file or a streamed S3 object), read in order, chunk by chunk,
 * into caller-owned buffers while its SHA-256 is computed on the way. A retried chunk is read
 * again from the source (not hashed again).
 */
import { createHash, type Hash } from 'node:crypto';
import { open } from 'node:fs/promises';
import type { ByteReader, OpenedSource } from '../core/byte-source.js';
import { sha2Checksum } from '../core/checksum.js';
import { FAILURE_LAYER } from '../core/retry.js';
import { IrodsError } from './errors.js';

export class SourceFile {
  readonly #file: ByteReader;
  readonly #hash: Hash = createHash('sha256');
  readonly #describe: { op: string; action: string; path: string };
  /** Next byte the hash expects: chunks must be hashed in file order. */
  #hashed = 0;

  constructor(file: ByteReader, describe: { op: string; action: string; path: string }) {
    this.#file = file;
    this.#describe = describe;
  }

  /** Reads `buffer.length` bytes at `position` and adds them to the hash. */
  async next(buffer: Buffer, position: number): Promise<Buffer> {
    if (position !== this.#hashed) {
      throw new RangeError(`chunk at ${position} read out of order (expected ${this.#hashed})`);
    }
    await this.reread(buffer, position);
    this.#hash.update(buffer);
    this.#hashed += buffer.length;
    return buffer;
  }

  /** Hashes `[0, end)` without keeping it: the part of the file an append does not send. */
  async hashUpTo(end: number, scratch: Buffer): Promise<void> {
    while (this.#hashed < end) {
      const length = Math.min(scratch.length, end - this.#hashed);
      await this.next(scratch.subarray(0, length), this.#hashed);
    }
  }

  /** Reads `buffer.length` bytes at `position` again, for a retried chunk. */
  async reread(buffer: Buffer, position: number): Promise<Buffer> {
    let filled = 0;
    while (filled < buffer.length) {
      const { bytesRead } = await this.#file.read(
        buffer,
        filled,
        buffer.length - filled,
        position + filled,
      );
      if (bytesRead === 0) {
        throw new IrodsError({
          ...this.#describe,
          layer: FAILURE_LAYER.client,
          code: 'IRODS_SOURCE_CHANGED',
          reason: `the source ended at ${position + filled} bytes, shorter than when the upload started`,
          retryable: true,
        });
      }
      filled += bytesRead;
    }
    return buffer;
  }

  /** `sha2:` + base64 SHA-256 of everything passed through `next`. */
  sha2(): string {
    return sha2Checksum(this.#hash.digest('base64'));
  }
}

/** Whether an upload's source was opened by the caller (not a local path). */
export function isOpened(source: string | Buffer | OpenedSource): source is OpenedSource {
  return typeof source === 'object' && !Buffer.isBuffer(source);
}

/** A local file opened for an upload, with its size now. */
export async function openLocal(path: string | Buffer): Promise<OpenedSource> {
  const file = await open(path, 'r');
  try {
    const { size } = await file.stat();
    return { name: String(path), size, reader: file };
  } catch (error) {
    await file.close();
    throw error;
  }
}
