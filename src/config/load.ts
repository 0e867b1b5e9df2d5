/**
 * loadConfig: read the main file and its drop-ins, merge them, validate everything, read the
 * secrets, and return one deep-frozen configuration, or throw a ConfigError listing every
 * problem found. Syntax errors stop the run before validation: a half-parsed file would only add
 * misleading "is required" problems.
 */
import { deepFreeze, type DeepReadonly } from '../core/deep-freeze.js';
import { crossCheck } from './cross-checks.js';
import { handlerFindings, type HandlerLoading } from './handler-checks.js';
import { findingsOf, type Finding } from './issues.js';
import { describePath } from './key-path.js';
import { indexKeyLines, lineOf, type LineIndex } from './line-index.js';
import { isTable, mergeFiles, originOf, type Merged } from './merge.js';
import { ConfigError, type ConfigProblem } from './problems.js';
import { configSchema, type ParsedConfig } from './schema.js';
import { applyServiceDefaults } from './service-defaults.js';
import { socketFindings } from './socket-checks.js';
import { s3CredentialFindings } from './s3-credentials.js';
import type { Secret } from './secret.js';
import { credentialPath, fileExists, readSecretFile } from './secret-files.js';
import { listDropIns, readTomlFile, type SourceFile } from './toml-files.js';

export type Environment = Readonly<Record<string, string | undefined>>;

/** systemd credential names read from $CREDENTIALS_DIRECTORY when no password_file is set. */
export const CREDENTIAL_NAMES = { irods: 'irods-password', redis: 'redis-password' } as const;

type Secrets = { irods: { password: Secret }; redis: { password: Secret | undefined } };

/**
 * The validated configuration. Durations (rescan_interval, settle) are milliseconds; a job's
 * empty resource is replaced by irods.default_resource; irods.password_file names the file
 * actually read. Passwords are Secret values, which print as "[redacted]".
 */
export type Config = DeepReadonly<
  Omit<ParsedConfig, 'irods' | 'redis'> & {
    irods: ParsedConfig['irods'] & Secrets['irods'];
    redis: ParsedConfig['redis'] & Secrets['redis'];
  }
>;

export interface LoadOptions {
  /** Imports and checks the jobs' handler modules; without it they are only checked as paths. */
  readonly handlers?: HandlerLoading;
}

export async function loadConfig(
  file: string,
  env: Environment,
  options: LoadOptions = {},
): Promise<Config> {
  const sources: SourceFile[] = [];
  const problems: ConfigProblem[] = [];
  const dropIns = await listDropIns(file);
  if (dropIns.problem !== undefined) problems.push(dropIns.problem);
  for (const path of [file, ...dropIns.files]) {
    const result = await readTomlFile(path);
    if ('problem' in result) problems.push(result.problem);
    else sources.push(result.source);
  }
  if (problems.length > 0) throw new ConfigError(file, problems);

  const merged = mergeFiles(sources);
  applyServiceDefaults(merged.data, env);
  const lines = new Map(sources.map((source) => [source.file, indexKeyLines(source.text)]));
  const locate = (finding: Finding): ConfigProblem => locateFinding(finding, merged, lines);

  const parsed = configSchema.safeParse(merged.data);
  const findings = parsed.success
    ? []
    : parsed.error.issues.flatMap((issue) => findingsOf(issue, merged.data));
  findings.push(...crossCheck(merged.data));
  findings.push(...(await socketFindings(merged.data)));
  findings.push(...(await s3CredentialFindings(merged.data, env)));
  if (options.handlers !== undefined) {
    findings.push(...(await handlerFindings(merged.data, options.handlers)));
  }
  problems.push(...findings.map(locate));

  const secrets = await readSecrets(merged, env, locate);
  problems.push(...secrets.problems);
  if (problems.length > 0 || !parsed.success) {
    const order = [file, ...dropIns.files];
    throw new ConfigError(file, sortProblems(problems, order));
  }
  return deepFreeze(assemble(parsed.data, secrets));
}

function assemble(data: ParsedConfig, secrets: SecretsRead): Config {
  const jobs = data.job.map((job) => ({
    ...job,
    resource: job.resource || data.irods.default_resource,
  }));
  return {
    ...data,
    irods: { ...data.irods, password_file: secrets.irodsFile, password: secrets.irods as Secret },
    redis: { ...data.redis, password_file: secrets.redisFile, password: secrets.redis },
    job: jobs,
  };
}

interface SecretsRead {
  irods?: Secret;
  irodsFile?: string;
  redis?: Secret;
  redisFile?: string;
  problems: ConfigProblem[];
}

async function readSecrets(
  merged: Merged,
  env: Environment,
  locate: (f: Finding) => ConfigProblem,
): Promise<SecretsRead> {
  const out: SecretsRead = { problems: [] };
  // Without an [irods] table the schema already says so; a password problem would only repeat it.
  if (!isTable(merged.data.irods)) return out;
  const irods = merged.data.irods;
  const redis = isTable(merged.data.redis) ? merged.data.redis : {};
  const irodsConfigured = configuredPath(irods.password_file);
  const redisConfigured = configuredPath(redis.password_file);

  // A password_file of the wrong shape is already reported by the schema.
  if (irodsConfigured !== null) {
    out.irodsFile = credentialPath(irodsConfigured, CREDENTIAL_NAMES.irods, env);
    if (out.irodsFile === undefined) {
      const message = `is required: set it to the absolute path of a file holding the password, or run under systemd with LoadCredential=${CREDENTIAL_NAMES.irods}:FILE`;
      out.problems.push(locate({ path: ['irods', 'password_file'], message }));
    } else {
      const result = await readSecretFile(out.irodsFile);
      if ('secret' in result) out.irods = result.secret;
      else out.problems.push(locate({ path: ['irods', 'password_file'], message: result.problem }));
    }
  }
  if (redisConfigured !== null) {
    out.redisFile = credentialPath(redisConfigured, CREDENTIAL_NAMES.redis, env);
    // The Redis password is optional: a credential that is not there means "no password".
    const optional =
      redisConfigured === undefined &&
      out.redisFile !== undefined &&
      !(await fileExists(out.redisFile));
    if (optional) out.redisFile = undefined;
    if (out.redisFile !== undefined) {
      const result = await readSecretFile(out.redisFile);
      if ('secret' in result) out.redis = result.secret;
      else out.problems.push(locate({ path: ['redis', 'password_file'], message: result.problem }));
    }
  }
  return out;
}

/** The configured absolute path, undefined when absent, null when present but unusable. */
function configuredPath(value: unknown): string | undefined | null {
  if (value === undefined) return undefined;
  return typeof value === 'string' && value.startsWith('/') ? value : null;
}

function locateFinding(
  finding: Finding,
  merged: Merged,
  lines: ReadonlyMap<string, LineIndex>,
): ConfigProblem {
  const origin = originOf(merged.origins, finding.path);
  const line = lineOf(lines.get(origin.file), origin.local);
  const keyPath = describePath(finding.path, merged.data);
  return line === undefined
    ? { file: origin.file, keyPath, message: finding.message }
    : { file: origin.file, keyPath, line, message: finding.message };
}

/** File order (main first, then drop-ins), then line; problems without a line lead their file. */
function sortProblems(problems: ConfigProblem[], fileOrder: readonly string[]): ConfigProblem[] {
  const rank = (problem: ConfigProblem): number => {
    const index = fileOrder.indexOf(problem.file);
    return index < 0 ? fileOrder.length : index;
  };
  return problems
    .map((problem, position) => ({ problem, position }))
    .sort(
      (a, b) =>
        rank(a.problem) - rank(b.problem) ||
        (a.problem.line ?? 0) - (b.problem.line ?? 0) ||
        a.position - b.position,
    )
    .map(({ problem }) => problem);
}
