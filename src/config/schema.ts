/**
 * The one schema of the configuration file: types, defaults and per-value checks. Cross-field
 * rules (delete mode vs operation, targets inside the zone, unique names) live in
 * cross-checks.ts, which runs alongside so every problem is reported at once.
 *
 * Durations arrive as strings ("15m") and leave as milliseconds. Keys keep their TOML names so
 * `config show` reads like the file.
 */
import { z } from 'zod';
import { parseDuration, durationProblem } from '../core/duration.js';
import {
  irodsUrlProblem,
  listenAddressProblem,
  redisNodeProblem,
  redisUrlProblem,
  trimUrl,
} from '../core/endpoint-rules.js';
import { DEFAULT_MAX_DELETE, maxDeleteProblem } from '../core/delete-limits.js';
import { globProblem } from '../core/glob-check.js';
import { adhocSourceRootProblem, adhocTargetRootProblem } from '../core/adhoc-rules.js';
import { groupNameProblem, socketModeProblem } from '../core/socket-rules.js';
import { isS3Source } from '../core/s3-keys.js';
import { s3EndpointProblem } from '../core/s3-rules.js';
import {
  CHECKSUM_MODES,
  CTIME_CHANGES,
  DELETE_MODES,
  EXCLUDE_TYPES,
  OPERATIONS,
  handlerProblem,
  jobNameProblem,
  localPathProblem,
  sourceMarkerProblem,
  sourceProblem,
  trimTrailingSlashes,
  zoneNameProblem,
} from '../core/job-rules.js';

export const ROLES = { all: 'all', worker: 'worker' } as const;
export const LOG_LEVELS = { error: 'error', warn: 'warn', info: 'info', debug: 'debug' } as const;

/** Largest embedded worker pool accepted; beyond it a typo is likelier than a wish. */
export const MAX_WORKERS = 1024;

function checked(problem: (value: string) => string | undefined): z.ZodString {
  return z.string().check((ctx) => {
    const message = problem(ctx.value);
    if (message !== undefined) ctx.issues.push({ code: 'custom', message, input: ctx.value });
  });
}

const absolutePath = checked(localPathProblem);
const nonEmpty = checked((value) => (value === '' ? 'must not be empty' : undefined));
const duration = checked(durationProblem).transform((text) => parseDuration(text) as number);
const keyPrefix = checked((value) =>
  value === '' || /\s/.test(value) ? 'must be non-empty and without spaces' : undefined,
);

/** A local path or S3 URL without trailing slashes ("/" stays). */
const trimmedSource = (source: string) => source.replace(/(?<=.)\/+$/, '');
const controlMode = checked((mode) => socketModeProblem(mode, true));
const statusMode = checked((mode) => socketModeProblem(mode, false));
const groupName = checked(groupNameProblem);

const avus = z.record(z.string(), z.string()).check((ctx) => {
  for (const [attribute, value] of Object.entries(ctx.value)) {
    if (attribute === '' || value === '') {
      const message = 'AVU attributes and values must not be empty';
      ctx.issues.push({ code: 'custom', message, input: ctx.value, path: [attribute] });
    }
  }
});

const daemonSchema = z.strictObject({
  control_socket: absolutePath.default('/run/irods-ingest/ctl.sock'),
  state_dir: absolutePath.default('/var/lib/irods-ingest'),
  workers: z.int().min(0).max(MAX_WORKERS).default(16),
  role: z.enum(ROLES).default('all'),
  log_level: z.enum(LOG_LEVELS).default('info'),
  metrics_listen: checked(listenAddressProblem).default(''),
  control_socket_mode: controlMode.default('0660'),
  /** "" keeps the daemon's own group. */
  control_socket_group: groupName.default(''),
  /** The read-only socket (GET routes only); "" = off. */
  status_socket: checked((path) => (path === '' ? undefined : localPathProblem(path))).default(''),
  status_socket_mode: statusMode.default('0660'),
  status_socket_group: groupName.default(''),
  /** Where ad-hoc jobs may read and write; empty = `start` is refused. */
  adhoc_sources: z.array(checked(adhocSourceRootProblem).transform(trimmedSource)).default([]),
  adhoc_targets: z
    .array(checked(adhocTargetRootProblem).transform(trimTrailingSlashes))
    .default([]),
  /** Where handlers named through the socket must lie. */
  handler_dirs: z
    .array(absolutePath.transform(trimmedSource))
    .default(['/etc/irods-ingest/handlers']),
});

const redisNodes = z.array(checked(redisNodeProblem)).min(1);

/**
 * One of three ways to reach Redis: `url` (a single server, or "embedded"), `sentinels` with
 * `sentinel_master` (the master the sentinels name, followed through failovers), or
 * `cluster_nodes` (a Redis Cluster, found from any of them). cross-checks.ts refuses mixes.
 */
const redisSchema = z.strictObject({
  url: checked(redisUrlProblem).default('embedded'),
  key_prefix: keyPrefix.default('irods-ingest'),
  password_file: absolutePath.optional(),
  sentinels: redisNodes.optional(),
  sentinel_master: nonEmpty.optional(),
  cluster_nodes: redisNodes.optional(),
});

const irodsSchema = z.strictObject({
  url: checked(irodsUrlProblem).transform(trimUrl),
  username: nonEmpty,
  password_file: absolutePath.optional(),
  zone: checked(zoneNameProblem),
  default_resource: nonEmpty,
});

/**
 * `[job.s3]`: how an S3 source is reached. Credentials never stand here: they come from
 * `credentials_file` (AWS shared-credentials format), else $CREDENTIALS_DIRECTORY/s3-credentials,
 * else the AWS SDK's default chain.
 */
const s3Schema = z.strictObject({
  endpoint: checked(s3EndpointProblem).transform(trimUrl).default(''),
  region: nonEmpty.default('us-east-1'),
  path_style: z.boolean().default(false),
  credentials_file: checked((path) => (path === '' ? undefined : localPathProblem(path))).default(
    '',
  ),
  profile: nonEmpty.default('default'),
  insecure: z.boolean().default(false),
});

export type S3Settings = z.output<typeof s3Schema>;

const jobShape = {
  name: checked(jobNameProblem),
  source: checked(sourceProblem).transform((source) => source.replace(/(?<=.)\/+$/, '')),
  target: z.string().transform(trimTrailingSlashes),
  operation: z.enum(OPERATIONS).default('register'),
  delete: z.enum(DELETE_MODES).default('keep'),
  // "force" watches even a network filesystem, where inotify misses other clients' writes.
  watch: z
    .union([z.boolean(), z.literal('force')], {
      error: (issue) => `expected true, false or "force", found ${JSON.stringify(issue.input)}`,
    })
    .default(true),
  rescan_interval: duration.prefault('15m'),
  settle: duration.prefault('2s'),
  exclude: z.array(checked(globProblem)).default([]),
  exclude_types: z.array(z.enum(EXCLUDE_TYPES)).default(['socket', 'fifo', 'char', 'block']),
  follow_symlinks: z.boolean().default(false),
  resource: z.string().default(''),
  checksum: z.enum(CHECKSUM_MODES).default('none'),
  ctime_changes: z.enum(CTIME_CHANGES).default('check'),
  files_per_task: z.int().min(1).max(1000).default(50),
  handler: checked(handlerProblem).default(''),
  metadata: avus.default({}),
  // A count of entries or a share of the tracked ones ("50%"); kept as written, for `config show`.
  max_delete: z
    .union([z.int(), z.string()], {
      error: (issue) =>
        `expected a count of entries or a share like "50%", found ${JSON.stringify(issue.input)}`,
    })
    .check((ctx) => {
      const message = maxDeleteProblem(ctx.value);
      if (message !== undefined) ctx.issues.push({ code: 'custom', message, input: ctx.value });
    })
    .default(DEFAULT_MAX_DELETE),
  source_marker: checked(sourceMarkerProblem).default(''),
  /** Tries per file for retryable failures. */
  max_attempts: z.int().min(1).max(1000).default(10),
  /** First backoff between tries of a file, doubling with jitter up to `retry_max_delay`. */
  retry_delay: duration.prefault('2s'),
  retry_max_delay: duration.prefault('5m'),
  /** Longest time one file's action may take; 0 = no limit. */
  file_timeout: duration.prefault('0'),
  /** Register operations: where the iRODS server sees `source`; "" = at the same path. */
  physical_source: checked((path) => (path === '' ? undefined : localPathProblem(path)))
    .transform(trimTrailingSlashes)
    .default(''),
  s3: s3Schema.optional(),
};

/**
 * An S3 source always has its `[job.s3]` settings (the defaults when the table is absent), and is
 * never watched: an explicit `watch = true` is refused by the cross-checks, so `true` here is the
 * default of a directory job.
 */
export const jobSchema = z
  .strictObject(jobShape)
  .transform((job) =>
    isS3Source(job.source)
      ? { ...job, watch: false as const, s3: job.s3 ?? s3Schema.parse({}) }
      : job,
  );

export const configSchema = z.strictObject({
  daemon: daemonSchema.prefault({}),
  redis: redisSchema.prefault({}),
  irods: irodsSchema,
  job: z.array(jobSchema).default([]),
});

export type ParsedConfig = z.output<typeof configSchema>;
export type JobConfig = ParsedConfig['job'][number];

/** Known keys per table, for "did you mean" hints on unknown keys. */
export const KNOWN_KEYS = {
  '': Object.keys(configSchema.shape),
  daemon: Object.keys(daemonSchema.shape),
  redis: Object.keys(redisSchema.shape),
  irods: Object.keys(irodsSchema.shape),
  job: Object.keys(jobShape),
  'job.s3': Object.keys(s3Schema.shape),
} as const;
