/**
 * The AWS SDK client of an S3 source, built from the job's `[job.s3]` settings.
 *
 * - Third-party stores (MinIO, Ceph, s3rver, R2, ...) mishandle the checksums current SDKs add by
 *   default (research/daemon-anchors.md §7), so they are asked for only where an operation
 *   requires them. The daemon only reads, and hashes what it reads itself.
 * - Credentials: `credentials_file` (AWS shared-credentials format, `profile`), else systemd's
 *   $CREDENTIALS_DIRECTORY/s3-credentials when it is there, else the SDK's default chain. The file
 *   is read when the job starts, with the same rules as the config check (a regular file others
 *   cannot read); its content never appears in a message.
 * - Connections: the SDK's own Node handler with keep-alive agents. Its sockets are bounded, and
 *   a listing fans out over at most LIST_CONCURRENCY of them per job.
 */
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';
import { credentialsOf, type S3Credentials } from '../core/aws-credentials.js';
import { S3_CREDENTIAL_NAME } from '../core/s3-rules.js';
import { S3SourceError } from './s3-errors.js';

/** The `[job.s3]` settings (config/schema.ts). */
export interface S3Settings {
  readonly endpoint: string;
  readonly region: string;
  readonly path_style: boolean;
  readonly credentials_file: string;
  readonly profile: string;
  readonly insecure: boolean;
}

export interface S3ClientOptions {
  /** systemd's $CREDENTIALS_DIRECTORY, when the daemon runs with one. */
  readonly credentialsDirectory?: string | undefined;
  /** Sockets per client. @defaultValue 64 */
  readonly maxSockets?: number;
}

/** Where the client's credentials come from, for the log (never the credentials). */
export interface BuiltClient {
  readonly client: S3Client;
  readonly credentialsFrom: string;
}

/** Requests per S3 call before its error counts (the SDK backs off between them). */
const MAX_ATTEMPTS = 4;
const CONNECT_TIMEOUT_MS = 10_000;
/** A connection that sends nothing for this long is taken for dead. */
const SOCKET_IDLE_MS = 120_000;

export async function createS3Client(
  settings: S3Settings,
  options: S3ClientOptions = {},
): Promise<BuiltClient> {
  const found = await readCredentials(settings, options.credentialsDirectory);
  const agent = {
    keepAlive: true,
    maxSockets: options.maxSockets ?? 64,
    ...(settings.insecure ? { rejectUnauthorized: false } : {}),
  };
  const client = new S3Client({
    region: settings.region,
    ...(settings.endpoint === '' ? {} : { endpoint: settings.endpoint }),
    forcePathStyle: settings.path_style,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    maxAttempts: MAX_ATTEMPTS,
    requestHandler: {
      httpAgent: agent,
      httpsAgent: agent,
      connectionTimeout: CONNECT_TIMEOUT_MS,
      socketTimeout: SOCKET_IDLE_MS,
    },
    ...(found === undefined ? {} : { credentials: found.credentials }),
  });
  return { client, credentialsFrom: found?.from ?? 'the AWS default credential chain' };
}

/** The credentials of the file that applies, or undefined for the SDK's default chain. */
async function readCredentials(
  settings: S3Settings,
  credentialsDirectory: string | undefined,
): Promise<{ credentials: S3Credentials; from: string } | undefined> {
  let path = settings.credentials_file;
  if (path === '') {
    if (credentialsDirectory === undefined || credentialsDirectory === '') return undefined;
    path = join(credentialsDirectory, S3_CREDENTIAL_NAME);
    if (
      !(await stat(path).then(
        () => true,
        () => false,
      ))
    )
      return undefined;
  }
  const text = await readPrivateFile(path);
  const parsed = credentialsOf(text, settings.profile);
  if ('problem' in parsed) {
    throw new S3SourceError('S3_CREDENTIALS', `credentials file ${path} ${parsed.problem}`);
  }
  return { credentials: parsed.credentials, from: `${path} [${settings.profile}]` };
}

async function readPrivateFile(path: string): Promise<string> {
  const fail = (why: string, cause?: unknown) =>
    new S3SourceError('S3_CREDENTIALS', `credentials file ${path} ${why}`, { cause });
  let info;
  try {
    info = await stat(path);
  } catch (error) {
    throw fail(`cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`, error);
  }
  if (!info.isFile()) throw fail('is not a regular file');
  if ((info.mode & 0o004) !== 0) {
    throw fail(`is world-readable (mode ${(info.mode & 0o7777).toString(8).padStart(4, '0')})`);
  }
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    throw fail(`cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`, error);
  }
}
