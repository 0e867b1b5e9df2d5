/**
 * The storage of an s3 resource: objects in a bucket of an S3 endpoint, addressed the way the
 * iRODS S3 plugin does it (README of irods/irods_resource_plugin_s3):
 *
 * - the vault path is `/bucket/prefix`, and a replica's physical path `/bucket/key`;
 * - the resource's context string carries the endpoint: `S3_DEFAULT_HOSTNAME=host:port`,
 *   `S3_PROTO=HTTP|HTTPS` (default HTTPS), `S3_REGIONNAME` (default us-east-1) and
 *   `S3_AUTH_FILE`, a file holding the access key id and the secret key on two lines;
 * - requests use the path style (the plugin's default `S3_URI_REQUEST_STYLE=path`).
 *
 * The secret is read when the storage is first used and is never part of an error message.
 */
import { randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream, readFileSync, statSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { IRODS } from './codes.js';
import { StorageError, type ByteRange, type Storage } from './storage.js';

/** The resource context keys this emulator honours, parsed. */
export interface S3Context {
  readonly endpoint: string;
  readonly region: string;
  readonly authFile: string | undefined;
}

/** Parses `KEY=value;KEY=value`; unknown keys are kept by the server and ignored here. */
export function parseS3Context(context: string): S3Context {
  const values = new Map<string, string>();
  for (const pair of context.split(';')) {
    const at = pair.indexOf('=');
    if (at > 0) values.set(pair.slice(0, at).trim(), pair.slice(at + 1).trim());
  }
  const proto = (values.get('S3_PROTO') ?? 'HTTPS').toLowerCase() === 'http' ? 'http' : 'https';
  // Only the first of a comma-separated host list is used (cacheless mode ignores the others).
  const host = (values.get('S3_DEFAULT_HOSTNAME') ?? 's3.amazonaws.com').split(',')[0]!;
  return {
    endpoint: `${proto}://${host}`,
    region: values.get('S3_REGIONNAME') ?? 'us-east-1',
    authFile: values.get('S3_AUTH_FILE'),
  };
}

/** `/bucket/key` → bucket and key; undefined when the path names no object. */
export function splitBucketPath(path: string): { bucket: string; key: string } | undefined {
  const match = /^\/([^/]+)\/(.+)$/.exec(path);
  return match ? { bucket: match[1]!, key: match[2]! } : undefined;
}

export class S3Storage implements Storage {
  readonly #context: S3Context;
  #client: S3Client | undefined;

  constructor(context: string) {
    this.#context = parseS3Context(context);
  }

  async size(path: string): Promise<number | undefined> {
    const { bucket, key } = this.#locate(path);
    try {
      const head = await this.#s3().send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
      return head.ContentLength ?? 0;
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw this.#failure('HEAD', path, IRODS.S3_FILE_STAT_ERR, error);
    }
  }

  async read(path: string, range?: ByteRange): Promise<AsyncIterable<Uint8Array>> {
    const { bucket, key } = this.#locate(path);
    const command = new GetObjectCommand({
      Bucket: bucket,
      Key: key,
      ...(range ? { Range: `bytes=${range.start}-${range.end}` } : {}),
    });
    try {
      const answer = await this.#s3().send(command);
      return answer.Body as Readable;
    } catch (error) {
      throw this.#failure('GET', path, IRODS.S3_GET_ERROR, error);
    }
  }

  async store(path: string, localFile: string): Promise<void> {
    const { bucket, key } = this.#locate(path);
    const command = new PutObjectCommand({
      Bucket: bucket,
      Key: key,
      Body: createReadStream(localFile),
      ContentLength: statSync(localFile).size,
    });
    try {
      await this.#s3().send(command);
    } catch (error) {
      throw this.#failure('PUT', path, IRODS.S3_PUT_ERROR, error);
    }
  }

  async fetch(path: string, localFile: string): Promise<void> {
    const body = await this.read(path);
    await pipeline(Readable.from(body), createWriteStream(localFile));
  }

  async remove(path: string): Promise<void> {
    const { bucket, key } = this.#locate(path);
    try {
      await this.#s3().send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
    } catch (error) {
      if (!isMissing(error)) throw this.#failure('DELETE', path, IRODS.S3_PUT_ERROR, error);
    }
  }

  /** There is no rename in S3: the object is copied through a local file, then removed. */
  async move(from: string, to: string): Promise<void> {
    if ((await this.size(from)) === undefined) return;
    const staging = join(tmpdir(), `irods-emulator-s3-move-${randomUUID()}`);
    try {
      await this.fetch(from, staging);
      await this.store(to, staging);
      await this.remove(from);
    } finally {
      await rm(staging, { force: true });
    }
  }

  #s3(): S3Client {
    if (this.#client) return this.#client;
    const { endpoint, region, authFile } = this.#context;
    let accessKeyId = '';
    let secretAccessKey = '';
    if (authFile !== undefined) {
      try {
        [accessKeyId = '', secretAccessKey = ''] = readFileSync(authFile, 'utf8')
          .split(/\r?\n/)
          .map((line) => line.trim());
      } catch (error) {
        throw new StorageError(
          `cannot read S3_AUTH_FILE ${authFile}: ${(error as Error).message}`,
          IRODS.S3_FILE_STAT_ERR,
        );
      }
    }
    this.#client = new S3Client({
      endpoint,
      region,
      forcePathStyle: true,
      credentials: { accessKeyId, secretAccessKey },
      // Plain PutObject bodies: S3 servers without chunked-trailer support store the framing.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      maxAttempts: 2,
    });
    return this.#client;
  }

  #locate(path: string): { bucket: string; key: string } {
    const located = splitBucketPath(path);
    if (!located) {
      throw new StorageError(`${path} is not a /bucket/key path`, IRODS.SYS_INVALID_FILE_PATH);
    }
    return located;
  }

  #failure(verb: string, path: string, code: number, error: unknown): StorageError {
    const name = (error as { name?: string }).name ?? 'error';
    return new StorageError(`S3 ${verb} ${path} failed: ${name}`, code, { cause: error });
  }
}

function isMissing(error: unknown): boolean {
  const { name, $metadata } = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  return name === 'NotFound' || name === 'NoSuchKey' || $metadata?.httpStatusCode === 404;
}
