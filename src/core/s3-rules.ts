/**
 * What an S3 source allows and requires of its job (design.md "S3 sources", `[job.s3]`). Messages
 * say why, so an operator can fix the job without reading the code.
 */
import { OPERATIONS } from './job-rules.js';

/** The systemd credential read when `credentials_file` is empty. */
export const S3_CREDENTIAL_NAME = 's3-credentials';

/** Why `endpoint` cannot be an S3 endpoint ("" means AWS for the region). */
export function s3EndpointProblem(endpoint: string): string | undefined {
  if (endpoint === '') return undefined;
  const parsed = URL.parse(endpoint);
  const example = 'e.g. "https://s3.example.org" or "http://127.0.0.1:9000"';
  if (parsed === null) return `is not a URL (${example})`;
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    return `must be an http:// or https:// URL (${example})`;
  }
  if (parsed.username !== '' || parsed.password !== '') {
    return 'must not carry credentials; they come only from credentials_file';
  }
  if (parsed.search !== '' || parsed.hash !== '') return 'must not have a query or fragment';
  return undefined;
}

/** Why `operation` cannot run on an S3 source, or undefined when it can. */
export function s3OperationProblem(operation: string): string | undefined {
  if (operation !== OPERATIONS.putAppend) return undefined;
  return 'put_append is not possible for an S3 source: an object is never appended to, only replaced whole (a changed object is sent whole by put_sync)';
}

/** Why `watch` (as written in the job) cannot be used with an S3 source. */
export function s3WatchProblem(watch: unknown): string | undefined {
  if (watch !== true && watch !== 'force') return undefined;
  return 'an S3 source cannot be watched (S3 sends the daemon no change events); remove the key: an S3 source is listed again every rescan_interval';
}

/** The message for a `[job.s3]` table on a job whose source is a local directory. */
export const S3_TABLE_WITHOUT_S3_SOURCE =
  'is only for a job whose source is "s3://bucket/prefix"; remove it or change the source';
