/**
 * The S3 calls of an S3 source, on its one bucket: listing pages, HEAD and GET of objects, the
 * look at the bucket before a pass. Failures become S3SourceErrors that say what was done on
 * which key; a missing object is an answer (undefined), not an error.
 */
import type { Readable } from 'node:stream';
import {
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  type S3Client,
} from '@aws-sdk/client-s3';
import type { RootLook } from '../core/source-identity.js';
import { describeS3Failure, isNotFound, S3SourceError } from './s3-errors.js';
import type { ListedObject, ListPage } from './s3-listing.js';

/** What a HEAD tells of an object. */
export type ObjectFacts = Omit<ListedObject, 'key'>;

export interface ObjectBody {
  readonly body: Readable;
  readonly etag: string;
  readonly size: number;
}

export class S3Bucket {
  readonly bucket: string;
  readonly #client: S3Client;
  /** Keys per listing page. */
  readonly #pageKeys: number;

  constructor(client: S3Client, bucket: string, pageKeys = 1000) {
    this.#client = client;
    this.bucket = bucket;
    this.#pageKeys = pageKeys;
  }

  /** One page of the delimiter listing of `prefix`. */
  listPage = async (prefix: string, token: string | undefined): Promise<ListPage> => {
    const answer = await this.#client.send(
      new ListObjectsV2Command({
        Bucket: this.bucket,
        Prefix: prefix,
        Delimiter: '/',
        MaxKeys: this.#pageKeys,
        ...(token === undefined ? {} : { ContinuationToken: token }),
      }),
    );
    const objects = (answer.Contents ?? []).map((object) => ({
      key: object.Key ?? '',
      size: object.Size ?? 0,
      etag: object.ETag ?? '',
      lastModified: object.LastModified ?? new Date(0),
    }));
    const prefixes = (answer.CommonPrefixes ?? []).flatMap((common) =>
      common.Prefix === undefined ? [] : [common.Prefix],
    );
    const next = answer.IsTruncated === true ? answer.NextContinuationToken : undefined;
    return { objects, prefixes, next };
  };

  /** The object's facts, or undefined when there is no such object. */
  async head(key: string): Promise<ObjectFacts | undefined> {
    try {
      const answer = await this.#client.send(
        new HeadObjectCommand({ Bucket: this.bucket, Key: key }),
      );
      return {
        size: answer.ContentLength ?? 0,
        etag: answer.ETag ?? '',
        lastModified: answer.LastModified ?? new Date(0),
      };
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw this.#failure('HEAD', key, error);
    }
  }

  /** Whether any key lies under `prefix` (a "directory" exists while it holds a key). */
  async holdsKeys(prefix: string): Promise<boolean> {
    try {
      const answer = await this.#client.send(
        new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, MaxKeys: 1 }),
      );
      return (answer.KeyCount ?? answer.Contents?.length ?? 0) > 0;
    } catch (error) {
      throw this.#failure('LIST', prefix, error);
    }
  }

  /**
   * The object's bytes `[start, end]` (all of them without a range). `etag` asks the store to
   * refuse other content (If-Match); stores that ignore it are caught by the ETag check of the
   * caller.
   */
  async get(
    key: string,
    range?: { start: number; end: number },
    etag?: string,
  ): Promise<ObjectBody> {
    try {
      const answer = await this.#client.send(
        new GetObjectCommand({
          Bucket: this.bucket,
          Key: key,
          ...(range === undefined ? {} : { Range: `bytes=${range.start}-${range.end}` }),
          ...(etag === undefined ? {} : { IfMatch: etag }),
        }),
      );
      return {
        body: answer.Body as Readable,
        etag: answer.ETag ?? '',
        size: answer.ContentLength ?? 0,
      };
    } catch (error) {
      const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata
        ?.httpStatusCode;
      if (status === 412 || isNotFound(error)) {
        throw new S3SourceError(
          'S3_OBJECT_CHANGED',
          `s3://${this.bucket}/${key} changed or disappeared before it could be read`,
          { retryable: true, cause: error },
        );
      }
      throw this.#failure('GET', key, error);
    }
  }

  /** The bucket as a pass sees it: there and readable, or why not. */
  async look(): Promise<RootLook> {
    try {
      await this.#client.send(new HeadBucketCommand({ Bucket: this.bucket }));
      return { kind: 'directory', identity: { dev: 0n, ino: 0n }, markerMissing: false };
    } catch (error) {
      if (isNotFound(error)) return { kind: 'missing' };
      return { kind: 'unreadable', errno: describeS3Failure(error).text };
    }
  }

  #failure(what: string, key: string, error: unknown): S3SourceError {
    const { text, code, retryable } = describeS3Failure(error);
    return new S3SourceError(
      'S3_REQUEST_FAILED',
      `${what} of s3://${this.bucket}/${key} failed: ${text}`,
      { cause: error, retryable, s3Code: code },
    );
  }
}
