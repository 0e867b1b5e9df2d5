/**
 * The S3 credentials of S3 jobs, checked when the config is loaded (`--check-config` included):
 * the file named by `[job.s3] credentials_file`, else systemd's
 * $CREDENTIALS_DIRECTORY/s3-credentials when it is there, must be a regular file others cannot
 * read, in the AWS shared-credentials format, with the job's `profile` holding a key id and a
 * secret key. Without either file the job uses the AWS SDK's default chain (environment,
 * instance role), which only the first request can try. Problems never quote the file's content.
 *
 * The daemon reads the file again when a job starts (sources/s3-client.ts), so a rotated key is
 * taken up by a reload.
 */
import { credentialsOf } from '../core/aws-credentials.js';
import { isS3Source } from '../core/s3-keys.js';
import { S3_CREDENTIAL_NAME } from '../core/s3-rules.js';
import type { Finding } from './issues.js';
import { isTable, type Table } from './merge.js';
import { credentialPath, fileExists, readSecretFile } from './secret-files.js';

type Environment = Readonly<Record<string, string | undefined>>;

export async function s3CredentialFindings(data: Table, env: Environment): Promise<Finding[]> {
  const jobs = Array.isArray(data.job) ? data.job : [];
  const findings: Finding[] = [];
  for (const [index, job] of jobs.entries()) {
    if (!isTable(job) || typeof job.source !== 'string' || !isS3Source(job.source)) continue;
    const s3 = isTable(job.s3) ? job.s3 : {};
    const problem = await credentialsProblem(s3, env);
    if (problem === undefined) continue;
    const configured = typeof s3.credentials_file === 'string' && s3.credentials_file !== '';
    const path = configured ? ['job', index, 's3', 'credentials_file'] : ['job', index, 'source'];
    findings.push({ path, message: problem });
  }
  return findings;
}

async function credentialsProblem(s3: Table, env: Environment): Promise<string | undefined> {
  const configured = s3.credentials_file ?? '';
  // A value of the wrong shape is the schema's to report.
  if (typeof configured !== 'string' || (configured !== '' && !configured.startsWith('/'))) {
    return undefined;
  }
  const given = configured === '' ? undefined : configured;
  const path = credentialPath(given, S3_CREDENTIAL_NAME, env);
  // No file: the SDK's default chain.
  if (path === undefined || (given === undefined && !(await fileExists(path)))) return undefined;
  const read = await readSecretFile(path, 'credentials file');
  if ('problem' in read) return read.problem;
  const profile = typeof s3.profile === 'string' && s3.profile !== '' ? s3.profile : 'default';
  const parsed = credentialsOf(read.secret.reveal(), profile);
  return 'problem' in parsed ? `credentials file ${path} ${parsed.problem}` : undefined;
}
