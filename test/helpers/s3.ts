import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import {
  CreateBucketCommand,
  GetObjectCommand,
  HeadObjectCommand,
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
 * temporary directory (see research/s3-test-server.md for what it does and does not do).
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
      try {
        await client().send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
      } catch {
        return undefined;
      }
      const answer = await client().send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      return Buffer.from(await answer.Body!.transformToByteArray());
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
