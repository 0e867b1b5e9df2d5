import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { startChild, type ServiceChild } from './child.js';

const s3rverBin = resolve(import.meta.dirname, '../../node_modules/s3rver/bin/s3rver.js');

/** s3rver accepts only this access key (and does not check signatures). */
export const S3RVER_KEY = 'S3RVER';
export const S3_REGION = 'us-east-1';

/**
 * A private s3rver for one test file, on a free port of 127.0.0.1, with its data in a new
 * temporary directory (see research/s3-test-server.md for what it does and does not do). Found
 * here besides: a delimiter listing names a common prefix only when an object lies directly
 * under it (`p/a/b/x` alone makes no `p/a/` under `p/`; its directory walk skips deeper
 * directories), where S3 names it. Fixtures put an object at every level; listings of deeper
 * trees are tested on a stub page source.
 */
export interface TestS3 {
  /** http://127.0.0.1:PORT */
  readonly endpoint: string;
  /** 127.0.0.1:PORT, as an iRODS s3 resource's S3_DEFAULT_HOSTNAME takes it. */
  readonly hostPort: string;
  readonly dir: string;
  /** An SDK client for this server, writing plain bodies (no chunked checksum trailers). */
  client(): S3Client;
  createBucket(bucket: string): Promise<void>;
  putObject(bucket: string, key: string, body: string | Buffer): Promise<void>;
  /** The object's bytes, or undefined when there is none. */
  getObject(bucket: string, key: string): Promise<Buffer | undefined>;
  deleteObject(bucket: string, key: string): Promise<void>;
  /**
   * Writes an object straight into the server's on-disk layout (research/s3-test-server.md:
   * 20,000 objects in 2 s against 26 s through PutObject); `mtime` (seconds) is its LastModified.
   */
  writeDirect(bucket: string, key: string, body: string | Buffer, mtime?: number): Promise<void>;
  /** Makes the server answer `etag` for the object (e.g. a multipart `...-3` ETag). */
  setEtag(bucket: string, key: string, etag: string): Promise<void>;
  /**
   * An AWS shared-credentials file (mode 0600) in `dir` for this server: access key S3RVER and
   * `secret` (s3rver checks no signature, so any secret works).
   */
  credentialsFile(secret: string, profile?: string): Promise<string>;
  /** The context string of an iRODS s3 resource on this server; its auth file lives in `dir`. */
  irodsContext(): Promise<string>;
  /** Stops the server and removes its directory. */
  stop(): Promise<void>;
}

export async function startS3(): Promise<TestS3> {
  const dir = await mkdtemp(join(tmpdir(), 'ingest-s3-'));
  const data = join(dir, 'data');
  // A child process: an s3rver crash (e.g. a key segment over 255 bytes) cannot take the test
  // runner with it. The legacy provider lets s3rver's DES continuation tokens work on OpenSSL 3.
  const { child, match } = await startChild(
    process.execPath,
    ['--openssl-legacy-provider', s3rverBin, '-d', data, '-a', '127.0.0.1', '-p', '0', '-s'],
    /S3rver listening on [\d.]+:(\d+)/,
  );
  const running: ServiceChild = child;
  const hostPort = `127.0.0.1:${match[1]}`;
  const endpoint = `http://${hostPort}`;
  let sdk: S3Client | undefined;
  const client = () =>
    (sdk ??= new S3Client({
      endpoint,
      region: S3_REGION,
      forcePathStyle: true,
      credentials: { accessKeyId: S3RVER_KEY, secretAccessKey: S3RVER_KEY },
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    }));
  return {
    endpoint,
    hostPort,
    dir,
    client,
    async createBucket(bucket) {
      await client().send(new CreateBucketCommand({ Bucket: bucket }));
    },
    async putObject(bucket, key, body) {
      const bytes = typeof body === 'string' ? Buffer.from(body) : body;
      await client().send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: bytes }));
    },
    async getObject(bucket, key) {
      // One request: a HEAD then a GET saw a key deleted between the two (NoSuchKey).
      let answer;
      try {
        answer = await client().send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      } catch (error) {
        if ((error as { name?: string }).name === 'NoSuchKey') return undefined;
        throw error;
      }
      return Buffer.from(await answer.Body!.transformToByteArray());
    },
    async deleteObject(bucket, key) {
      await client().send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
    },
    async writeDirect(bucket, key, body, mtime) {
      const bytes = typeof body === 'string' ? Buffer.from(body) : body;
      const object = objectPath(data, bucket, key, 'object');
      await mkdir(dirname(object), { recursive: true });
      await writeFile(object, bytes);
      await writeFile(`${object}.md5`, createHash('md5').update(bytes).digest('hex'));
      await writeFile(objectPath(data, bucket, key, 'metadata.json'), '{}');
      if (mtime !== undefined) await utimes(object, mtime, mtime);
    },
    async setEtag(bucket, key, etag) {
      await writeFile(`${objectPath(data, bucket, key, 'object')}.md5`, etag);
    },
    async credentialsFile(secret, profile = 'default') {
      const path = join(dir, `credentials-${profile}`);
      const text = `[${profile}]\naws_access_key_id = ${S3RVER_KEY}\naws_secret_access_key = ${secret}\n`;
      await writeFile(path, text, { mode: 0o600 });
      return path;
    },
    async irodsContext() {
      const authFile = join(dir, 's3.keypair');
      await writeFile(authFile, `${S3RVER_KEY}\n${S3RVER_KEY}\n`, { mode: 0o600 });
      return `S3_DEFAULT_HOSTNAME=${hostPort};S3_AUTH_FILE=${authFile};S3_REGIONNAME=${S3_REGION};S3_PROTO=HTTP`;
    },
    async stop() {
      sdk?.destroy();
      await running.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Where s3rver keeps a resource of an object (its FilesystemStore.getResourcePath). */
function objectPath(data: string, bucket: string, key: string, resource: string): string {
  const parts = key.split('/');
  const name = `${parts.pop()!}._S3rver_${resource}`;
  return join(data, bucket, ...parts, name);
}
