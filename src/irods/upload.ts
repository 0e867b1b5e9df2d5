/**
 * Uploads of local files (irods-http-api.md §5.2.2, §5.2.3).
 *
 * - A file that fits one request body goes in one write: the header form, whose body is the raw
 *   bytes, or the multipart form when the logical path cannot travel in a header.
 * - A larger file goes through a parallel-write handle: chunk i is written by stream i mod k at
 *   its own offset, with at most one request in flight per stream (the server does not guard a
 *   stream that is named explicitly). The handle is always shut down, also after a failure, or the
 *   object stays locked and its streams stay reserved. Its lpath travels in a multipart body, so
 *   this also serves paths that cannot go in a header.
 * - When the server's stream budget stays exhausted (503 after the retries), the file goes in
 *   sequential writes instead: the first chunk creates or truncates, later ones write in place
 *   (`truncate=0`) at their offset.
 *
 * The file is read once, in order, into one buffer per stream, and hashed on the way, so memory is
 * bounded by streams x chunk size whatever the file size. A retried chunk is read again.
 */
import type { OpenedSource } from '../core/byte-source.js';
import { isHeaderSafe } from '../core/logical-path.js';
import { FAILURE_LAYER } from '../core/retry.js';
import {
  chunkCountFor,
  chunkRange,
  planUpload,
  UPLOAD_MODE,
  type UploadPlan,
} from '../core/upload-plan.js';
import type { DataObjects } from './data-objects.js';
import { IrodsError } from './errors.js';
import { landedCheck } from './landed-write.js';
import { HANDLE_EVENTS, openHandle, type HandleHook } from './parallel-handles.js';
import { checkPath } from './paths.js';
import type { Session } from './session.js';
import { isOpened, openLocal, SourceFile } from './source-file.js';
import { ENDPOINT, REPEAT, type ApiCall } from './transport.js';
import type { UploadResult } from './types.js';

export interface UploadOptions {
  /** Root resource to write to (default: the server's choice). */
  resource?: string;
  /** Chunk size in bytes, capped by the server's body limit. */
  chunkBytes?: number;
  /** Parallel streams, capped by the server's per-handle limit. */
  streams?: number;
  onHandle?: HandleHook;
  /**
   * Called before each chunk is sent, with the bytes sent so far; the upload waits for it, and
   * one that throws stops the upload (no chunk starts after it). The daemon renews the file's
   * lock here, so an upload whose lock lapsed stops writing.
   */
  onProgress?: (bytesSent: number) => Promise<void>;
}

/** One transfer: which bytes go where, and how the object is opened. */
interface Transfer {
  source: SourceFile;
  logicalPath: string;
  fileSize: number;
  /** First byte sent. */
  startOffset: number;
  /** False for appends: the object must exist and is written in place. */
  truncate: boolean;
  resource: string | undefined;
  headerSafe: boolean;
  action: string;
  onHandle: HandleHook | undefined;
  onProgress: ((bytesSent: number) => Promise<void>) | undefined;
}

export class Uploader {
  readonly #session: Session;
  readonly #dataObjects: DataObjects;

  constructor(session: Session, dataObjects: DataObjects) {
    this.#session = session;
    this.#dataObjects = dataObjects;
  }

  /**
   * Uploads the whole file (or an opened source, which the upload closes), creating the object
   * or replacing its content.
   */
  async upload(
    localPath: string | Buffer | OpenedSource,
    logicalPath: string,
    options: UploadOptions = {},
  ): Promise<UploadResult> {
    return this.#run(localPath, logicalPath, 0, true, options);
  }

  /**
   * Sends only the bytes from `fromOffset` on (the object already holds the ones before), written
   * in place with `truncate=0`. The returned `sha2` covers the whole local file, so it can be
   * compared with the iRODS checksum afterwards.
   */
  async append(
    localPath: string | Buffer,
    logicalPath: string,
    fromOffset: number,
    options: UploadOptions = {},
  ): Promise<UploadResult> {
    return this.#run(localPath, logicalPath, fromOffset, false, options);
  }

  async #run(
    localPath: string | Buffer | OpenedSource,
    logicalPath: string,
    startOffset: number,
    truncate: boolean,
    options: UploadOptions,
  ): Promise<UploadResult> {
    const name = isOpened(localPath) ? localPath.name : String(localPath);
    const action = `${truncate ? 'upload' : 'append'} of ${name} to data object`;
    try {
      checkPath(logicalPath, 'write', action);
    } catch (error) {
      if (isOpened(localPath)) await localPath.reader.close();
      throw error;
    }
    const opened = isOpened(localPath) ? localPath : await openLocal(localPath);
    const file = opened.reader;
    try {
      const fileSize = opened.size;
      const source = new SourceFile(file, { op: 'write', action, path: logicalPath });
      if (startOffset > fileSize || !Number.isSafeInteger(startOffset) || startOffset < 0) {
        throw new IrodsError({
          op: 'write',
          action,
          path: logicalPath,
          layer: FAILURE_LAYER.client,
          reason: `cannot append from offset ${startOffset} of a ${fileSize}-byte file`,
          retryable: false,
        });
      }
      const info = this.#session.serverInfo();
      const { options: client } = this.#session;
      const headerSafe = isHeaderSafe(logicalPath);
      const plan = planUpload({
        fileSize,
        startOffset,
        bodyLimit: info.maxRequestBodyBytes,
        streamLimit: info.maxStreamsPerParallelWrite,
        chunkBytes: options.chunkBytes ?? client.chunkBytes,
        streams: options.streams ?? client.parallelStreams,
        deadlineSeconds: client.serverDeadlineSeconds,
        minBytesPerSecond: client.minBytesPerSecond,
        headerSafePath: headerSafe,
      });
      await source.hashUpTo(
        startOffset,
        Buffer.allocUnsafe(Math.min(plan.chunkBytes, startOffset)),
      );
      const transfer: Transfer = {
        source,
        logicalPath,
        fileSize,
        startOffset,
        truncate,
        resource: options.resource,
        headerSafe,
        action,
        onHandle: options.onHandle,
        onProgress: options.onProgress,
      };
      const mode = await this.#send(transfer, plan);
      return { size: fileSize, bytesSent: fileSize - startOffset, sha2: source.sha2(), mode };
    } finally {
      await file.close();
    }
  }

  async #send(transfer: Transfer, plan: UploadPlan): Promise<UploadResult['mode']> {
    if (plan.mode === UPLOAD_MODE.single) {
      // An append with nothing new sends nothing; an empty upload still creates the object.
      if (transfer.truncate || transfer.fileSize > transfer.startOffset) {
        await this.#sequential(transfer, plan.chunkBytes);
      }
      return UPLOAD_MODE.single;
    }
    const handle = await openHandle(this.#session, this.#dataObjects, {
      ...transfer,
      streams: plan.streams,
    });
    if (handle === undefined) {
      await this.#sequential(transfer, plan.sequentialChunkBytes);
      return UPLOAD_MODE.sequential;
    }
    let failed = true;
    try {
      await transfer.onHandle?.(handle, HANDLE_EVENTS.opened);
      await this.#parallel(transfer, plan, handle);
      failed = false;
    } finally {
      // Always shut the handle down, or the object stays locked and its streams reserved. After a
      // failed upload the upload's own error is the one reported.
      await this.#shutdown(transfer, handle)
        .then(() => transfer.onHandle?.(handle, HANDLE_EVENTS.closed))
        .catch((error: unknown) => {
          if (!failed) throw error;
        });
    }
    return UPLOAD_MODE.parallel;
  }

  /**
   * Reads chunk after chunk and hands chunk i to stream i mod k once that stream's previous
   * request has finished. After a failure no new chunk starts; the requests in flight are
   * awaited, so nothing writes through the handle once it is shut down.
   */
  async #parallel(transfer: Transfer, plan: UploadPlan, handle: string): Promise<void> {
    const buffers = Array.from({ length: plan.streams }, () => Buffer.allocUnsafe(plan.chunkBytes));
    const inFlight: Promise<void>[] = [];
    let failure: { error: unknown } | undefined;
    try {
      for (let index = 0; index < plan.chunkCount && failure === undefined; index += 1) {
        const stream = index % plan.streams;
        await inFlight[stream];
        if (failure !== undefined) break;
        const { offset, length } = chunkRange(
          index,
          plan.chunkBytes,
          transfer.startOffset,
          transfer.fileSize,
        );
        try {
          await transfer.onProgress?.(offset - transfer.startOffset);
        } catch (error) {
          failure = { error };
          break;
        }
        const chunk = await transfer.source.next(buffers[stream]!.subarray(0, length), offset);
        inFlight[stream] = this.#write(transfer, chunk, offset, {
          'irods-api-request-parallel-write-handle': handle,
          'irods-api-request-stream-index': String(stream),
        }).catch((error: unknown) => {
          failure ??= { error };
        });
      }
    } finally {
      await Promise.all(inFlight);
    }
    if (failure !== undefined) throw failure.error;
  }

  /** One request per chunk, each opening and closing the object. */
  async #sequential(transfer: Transfer, chunkBytes: number): Promise<void> {
    const count = chunkCountFor(chunkBytes, transfer.startOffset, transfer.fileSize);
    const buffer = Buffer.allocUnsafe(
      Math.min(chunkBytes, transfer.fileSize - transfer.startOffset),
    );
    for (let index = 0; index < count; index += 1) {
      const { offset, length } = chunkRange(
        index,
        chunkBytes,
        transfer.startOffset,
        transfer.fileSize,
      );
      await transfer.onProgress?.(offset - transfer.startOffset);
      const chunk = await transfer.source.next(buffer.subarray(0, length), offset);
      // Only the first chunk of a full upload may create or truncate the object.
      const inPlace = !transfer.truncate || index > 0;
      if (transfer.headerSafe) {
        await this.#write(transfer, chunk, offset, {
          'irods-api-request-lpath': Buffer.from(transfer.logicalPath, 'utf8').toString('latin1'),
          ...(inPlace ? { 'irods-api-request-truncate': '0' } : {}),
          ...(transfer.resource === undefined
            ? {}
            : { 'irods-api-request-resource': transfer.resource }),
        });
      } else {
        await this.#formWrite(transfer, chunk, offset, inPlace);
      }
    }
  }

  /** A header-form write of `chunk` at `offset`; a retry reads the chunk from the file again. */
  async #write(
    transfer: Transfer,
    chunk: Buffer,
    offset: number,
    headers: Record<string, string>,
  ): Promise<void> {
    let attempts = 0;
    await this.#session.transport.json({
      ...this.#call(transfer, 'write'),
      ...landedCheck(this.#session, transfer, chunk),
      method: 'POST',
      upload: {
        headers: { ...headers, 'irods-api-request-offset': String(offset) },
        body: async () => (attempts++ === 0 ? chunk : transfer.source.reread(chunk, offset)),
      },
    });
  }

  /** A multipart write (§5.2.2 form 1), for paths that cannot go in a header. */
  async #formWrite(
    transfer: Transfer,
    chunk: Buffer,
    offset: number,
    inPlace: boolean,
  ): Promise<void> {
    let attempts = 0;
    await this.#session.transport.json({
      ...this.#call(transfer, 'write'),
      ...landedCheck(this.#session, transfer, chunk),
      method: 'POST',
      params: {
        lpath: transfer.logicalPath,
        offset: String(offset),
        truncate: inPlace ? '0' : undefined,
        resource: transfer.resource,
      },
      formBytes: async () => (attempts++ === 0 ? chunk : transfer.source.reread(chunk, offset)),
    });
  }

  /**
   * Shuts down a handle left open by an upload that never finished (its process died), so that
   * the object is unlocked and its streams are free again. The server closes the object with
   * whatever had been written; the caller uploads it again. An unknown handle (already shut down,
   * or the server restarted since) is no error.
   */
  async shutdownHandle(handle: string, logicalPath: string): Promise<void> {
    const action = 'shutdown of a parallel-write handle left open on data object';
    await this.#session.transport.json({
      endpoint: ENDPOINT.dataObjects,
      op: 'parallel_write_shutdown',
      action,
      path: logicalPath,
      repeat: REPEAT.always,
      method: 'POST',
      params: { 'parallel-write-handle': handle },
    });
  }

  /** Shutting down an unknown handle also answers 0 (§5.2.3), so repeating it is harmless. */
  async #shutdown(transfer: Transfer, handle: string): Promise<void> {
    await this.#session.transport.json({
      ...this.#call(transfer, 'parallel_write_shutdown'),
      method: 'POST',
      params: { 'parallel-write-handle': handle },
    });
  }

  /**
   * Every request of an upload may be repeated: writes name their offset (or rewrite the whole
   * object from 0), shutdown is idempotent, and an init is repeated once what a try without an
   * answer holds is released (parallel-handles.ts).
   */
  #call(transfer: Transfer, op: string): Omit<ApiCall, 'method'> {
    return {
      endpoint: ENDPOINT.dataObjects,
      op,
      action: transfer.action,
      path: transfer.logicalPath,
      repeat: REPEAT.always,
    };
  }
}
