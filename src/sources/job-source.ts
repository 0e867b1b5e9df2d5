/** The source of a job, by the kind its `source` names: a directory, or `s3://bucket/prefix`. */
import { isS3Source } from '../core/s3-keys.js';
import { DirectorySource } from './directory-source.js';
import type { S3Settings } from './s3-client.js';
import { S3Source, type S3SourceOptions } from './s3-source.js';
import type { JobSource } from './source.js';

export function openJobSource(
  job: { readonly source: string; readonly s3?: S3Settings | undefined },
  options: S3SourceOptions = {},
): JobSource {
  if (!isS3Source(job.source)) return new DirectorySource(job.source);
  if (job.s3 === undefined)
    throw new RangeError(`job source ${job.source} has no [job.s3] settings`);
  return new S3Source(job.source, job.s3, options);
}
