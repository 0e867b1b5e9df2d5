/** The source of a job, by the kind its `source` names: a directory, or `s3://bucket/prefix`. */
import { isS3Source } from '../core/s3-keys.js';
import { DirectorySource } from './directory-source.js';
import type { S3Settings } from './s3-client.js';
import { S3Source } from './s3-source.js';
import type { JobSource } from './source.js';

/** Where a job's source says what it found out when it started (the daemon's logger). */
export interface SourceLog {
  info(message: string, meta: { job: string }): void;
  warn(message: string, meta: { job: string }): void;
}

export interface JobSourceOptions {
  /** systemd's $CREDENTIALS_DIRECTORY, where an S3 job's default credentials file lies. */
  readonly credentialsDirectory?: string | undefined;
  readonly log: SourceLog;
}

export function openJobSource(
  job: { readonly name: string; readonly source: string; readonly s3?: S3Settings | undefined },
  { credentialsDirectory, log }: JobSourceOptions,
): JobSource {
  if (!isS3Source(job.source)) return new DirectorySource(job.source);
  if (job.s3 === undefined) {
    throw new RangeError(`job source ${job.source} has no [job.s3] settings`);
  }
  const meta = { job: job.name };
  return new S3Source(job.source, job.s3, {
    credentialsDirectory,
    // Said once the client is built, at the job's first S3 request.
    onClient: ({ credentialsFrom, insecure }) => {
      log.info(`job ${job.name}: S3 credentials from ${credentialsFrom}`, meta);
      if (insecure) {
        log.warn(
          `job ${job.name}: [job.s3] insecure = true: TLS certificates of ${job.source} are not checked`,
          meta,
        );
      }
    },
  });
}
