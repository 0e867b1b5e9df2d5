/**
 * An S3 object read for an upload or a checksum, in order, never through a temporary file.
 *
 * - Up to LARGE_OBJECT_BYTES: one GetObject, consumed as the reader asks for bytes, so memory
 *   holds what the stream buffers and nothing more.
 * - Larger objects: ranged GETs of PART_BYTES, up to PARTS_AHEAD of them in flight, each part
 *   held once it arrived until the reader moved past it. One stream from a distant region is
 *   bound by its round trips; parallel ranges are how S3 clients reach its bandwidth. Memory:
 *   at most PARTS_AHEAD x PART_BYTES per object. Two: one part read while the next arrives.
 *   Workers already keep many objects in flight; four parts each would let 16 workers hold
 *   512 MiB, and made put_sync no faster against a local store.
 * - A read at another position than the next (a retried chunk) is a ranged GET of its own.
 *
 * Every GET asks for the ETag decided on (If-Match) and checks the one answered, so bytes of a
 * replaced object are never mixed with the old ones.
 */
import type { Readable } from 'node:stream';
import type { ByteReader } from '../core/byte-source.js';
import { S3SourceError } from './s3-errors.js';
import type { S3Bucket } from './s3-bucket.js';

const LARGE_OBJECT_BYTES = 32 * 1024 * 1024;
const PART_BYTES = 8 * 1024 * 1024;
const PARTS_AHEAD = 2;

export interface ObjectToRead {
  readonly key: string;
  readonly size: number;
  readonly etag: string;
}

export class S3ObjectReader implements ByteReader {
  readonly #bucket: S3Bucket;
  readonly #object: ObjectToRead;
  /** The next byte of a sequential read. */
  #position = 0;
  #stream: AsyncIterator<Buffer> | undefined;
  #body: Readable | undefined;
  #leftover: Buffer | undefined;
  /** Parts asked for, by index: their pieces as they arrived, taken from the front as read. */
  readonly #parts = new Map<number, Promise<Buffer[]>>();
  #closed = false;

  constructor(bucket: S3Bucket, object: ObjectToRead) {
    this.#bucket = bucket;
    this.#object = object;
  }

  async read(
    buffer: Uint8Array,
    offset: number,
    length: number,
    position: number,
  ): Promise<{ bytesRead: number }> {
    const want = Math.min(length, this.#object.size - position);
    if (want <= 0) return { bytesRead: 0 };
    const target = buffer.subarray(offset, offset + want);
    if (position !== this.#position) return { bytesRead: await this.#reread(target, position) };
    const bytesRead =
      this.#object.size > LARGE_OBJECT_BYTES
        ? await this.#fromParts(target, position)
        : await this.#fromStream(target);
    this.#position += bytesRead;
    return { bytesRead };
  }

  close(): Promise<void> {
    this.#closed = true;
    this.#body?.destroy();
    // Parts still in flight are dropped; their errors were made harmless when they started.
    this.#parts.clear();
    return Promise.resolve();
  }

  async #fromStream(target: Uint8Array): Promise<number> {
    if (this.#stream === undefined) {
      const answer = await this.#get();
      this.#body = answer;
      this.#stream = answer[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
    }
    let filled = 0;
    while (filled < target.length) {
      let piece = this.#leftover;
      this.#leftover = undefined;
      if (piece === undefined) {
        const next = await this.#stream.next();
        if (next.done === true) break;
        piece = next.value;
      }
      const take = Math.min(piece.length, target.length - filled);
      target.set(piece.subarray(0, take), filled);
      filled += take;
      if (take < piece.length) this.#leftover = piece.subarray(take);
    }
    return filled;
  }

  async #fromParts(target: Uint8Array, position: number): Promise<number> {
    const index = Math.floor(position / PART_BYTES);
    for (let ahead = index; ahead < index + PARTS_AHEAD; ahead++) this.#request(ahead);
    for (const held of this.#parts.keys()) if (held < index) this.#parts.delete(held);
    // Reads here are sequential, so the front of the part is the byte at `position`.
    const pieces = await this.#parts.get(index)!;
    let filled = 0;
    while (filled < target.length && pieces.length > 0) {
      const piece = pieces[0]!;
      const take = Math.min(piece.length, target.length - filled);
      target.set(piece.subarray(0, take), filled);
      filled += take;
      if (take < piece.length) pieces[0] = piece.subarray(take);
      else pieces.shift();
    }
    return filled;
  }

  #request(index: number): void {
    const start = index * PART_BYTES;
    if (this.#parts.has(index) || start >= this.#object.size) return;
    const end = Math.min(this.#object.size, start + PART_BYTES) - 1;
    const part = this.#get({ start, end }).then((body) => piecesOf(body, end - start + 1));
    // Awaited when its turn comes; until then a failure must not count as unhandled.
    part.catch(() => undefined);
    this.#parts.set(index, part);
  }

  async #reread(target: Uint8Array, position: number): Promise<number> {
    const body = await this.#get({ start: position, end: position + target.length - 1 });
    let filled = 0;
    for (const piece of await piecesOf(body, target.length)) {
      target.set(piece, filled);
      filled += piece.length;
    }
    return filled;
  }

  async #get(range?: { start: number; end: number }): Promise<Readable> {
    if (this.#closed) throw new Error('the S3 object reader is closed');
    const { key, etag } = this.#object;
    const answer = await this.#bucket.get(key, range, etag);
    if (answer.etag !== etag) {
      answer.body.destroy();
      throw new S3SourceError(
        'S3_OBJECT_CHANGED',
        `s3://${this.#bucket.bucket}/${key} was replaced while it was read (ETag ${answer.etag}, expected ${etag})`,
        { retryable: true },
      );
    }
    return answer.body;
  }
}

/**
 * The whole body as the pieces it arrived in, which must hold no more than `limit` bytes (a store
 * ignoring ranges fails). Kept as pieces: gathering them into one buffer cost a copy of every
 * byte and a large allocation per part, a fifth of the daemon's CPU in the put_sync benchmark.
 */
async function piecesOf(body: Readable, limit: number): Promise<Buffer[]> {
  const pieces: Buffer[] = [];
  let received = 0;
  for await (const piece of body as AsyncIterable<Buffer>) {
    received += piece.length;
    if (received > limit) {
      body.destroy();
      throw new S3SourceError(
        'S3_REQUEST_FAILED',
        `the store answered a ranged GET with more than the ${limit} bytes asked for`,
      );
    }
    pieces.push(piece);
  }
  return pieces;
}
