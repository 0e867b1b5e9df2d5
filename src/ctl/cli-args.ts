/**
 * The command line of `irods-ingestctl`, parsed into one command or a usage error (exit 2).
 * Global options (`--socket`, `--json`) may stand before or after the command. `start` turns its
 * options into the `[[job]]` table with TOML key names and leaves validating the values to the
 * daemon, so an ad-hoc job is checked exactly like one from a config file.
 */
import { parseArgs } from 'node:util';
import { closestWord } from '../core/suggest.js';
import { IngestError, messageOf } from '../errors.js';
import { FAILURES_PAGE } from '../control/wire.js';

export const USAGE = `usage: irods-ingestctl [--socket PATH] [--json] COMMAND [ARGS]

commands:
  status                       daemon and job status
  jobs                         one line per job
  job NAME                     everything about one job
  start --name N --source S --target T [job options]
                               add an ad-hoc job (options below)
  stop NAME | pause NAME | resume NAME | rescan NAME
  failures NAME [--limit N]    failed files with reasons (default: first ${FAILURES_PAGE.default})
  retry NAME                   re-queue the failed files of a job
  allow-deletes NAME           release the deletes max_delete held, once (or accept a
                               refused source root that is only another directory)
  resync NAME                  drop the job's recorded state and pass again: what iRODS
                               holds and matches is adopted, the rest is sent
  forget NAME                  delete every Redis key of a job no longer configured
  workers                      every daemon on the Redis: host, pid, role, version, jobs,
                               batches in flight, last heartbeat
  watch NAME                   follow the running (or next) pass; exit 1 if it had failures
  reload                       re-read the config files and apply them
  drain                        finish the queued work, then stop the daemon
  wait-ready [--timeout S]     wait until the daemon is ready (default 60 s)
  config show                  the effective config, secrets redacted

job options (as in [[job]]): --operation OP, --delete MODE, --watch | --no-watch,
  --rescan-interval D, --settle D, --exclude GLOB (repeatable), --exclude-type T (repeatable),
  --follow-symlinks, --resource R, --checksum MODE, --ctime-changes MODE, --files-per-task N,
  --handler PATH, --metadata KEY=VALUE (repeatable), --max-delete N|P%, --source-marker NAME

options:
  --socket PATH   control socket (default: $IRODS_INGEST_SOCKET or /run/irods-ingest/ctl.sock);
                  the read-only socket (daemon.status_socket) serves status, jobs, job,
                  workers, failures, watch and wait-ready
  --json          print the daemon's JSON answer instead of text
  --help, --version

exit codes: 0 ok, 1 command failed, 2 usage error, 3 daemon not reachable`;

/** The command line is wrong: ctl prints the message and its usage, and exits 2. */
export class UsageError extends IngestError {
  constructor(message: string) {
    super('CTL_USAGE', message);
  }
}

export const JOB_COMMANDS = [
  'job',
  'stop',
  'pause',
  'resume',
  'rescan',
  'retry',
  'watch',
  'allow-deletes',
  'resync',
  'forget',
] as const;
export type JobCommandName = (typeof JOB_COMMANDS)[number];

/** One member per job command, so that each can be told apart by its name. */
type JobCommand = { [N in JobCommandName]: { name: N; job: string } }[JobCommandName];

export type CtlCommand =
  | { name: 'status' }
  | { name: 'jobs' }
  | JobCommand
  | { name: 'start'; spec: Record<string, unknown> }
  | { name: 'failures'; job: string; limit: number }
  | { name: 'workers' }
  | { name: 'reload' }
  | { name: 'drain' }
  | { name: 'wait-ready'; timeoutMs: number }
  | { name: 'config-show' };

export type CtlArgs =
  | { kind: 'run'; socket: string | undefined; json: boolean; command: CtlCommand }
  | { kind: 'help' }
  | { kind: 'version' };

type OptionSpec = { type: 'string' | 'boolean'; multiple?: boolean; short?: string };

const GLOBAL_OPTIONS = {
  socket: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'V' },
} as const satisfies Record<string, OptionSpec>;

/** `start` options and the `[[job]]` keys they set. */
const JOB_OPTION_KEYS = {
  name: 'name',
  source: 'source',
  target: 'target',
  operation: 'operation',
  delete: 'delete',
  watch: 'watch',
  'rescan-interval': 'rescan_interval',
  settle: 'settle',
  exclude: 'exclude',
  'exclude-type': 'exclude_types',
  'follow-symlinks': 'follow_symlinks',
  resource: 'resource',
  checksum: 'checksum',
  'ctime-changes': 'ctime_changes',
  'files-per-task': 'files_per_task',
  handler: 'handler',
  metadata: 'metadata',
  'max-delete': 'max_delete',
  'source-marker': 'source_marker',
} as const;

const START_OPTIONS: Record<keyof typeof JOB_OPTION_KEYS, OptionSpec> = {
  name: { type: 'string' },
  source: { type: 'string' },
  target: { type: 'string' },
  operation: { type: 'string' },
  delete: { type: 'string' },
  watch: { type: 'boolean' },
  'rescan-interval': { type: 'string' },
  settle: { type: 'string' },
  exclude: { type: 'string', multiple: true },
  'exclude-type': { type: 'string', multiple: true },
  'follow-symlinks': { type: 'boolean' },
  resource: { type: 'string' },
  checksum: { type: 'string' },
  'ctime-changes': { type: 'string' },
  'files-per-task': { type: 'string' },
  handler: { type: 'string' },
  metadata: { type: 'string', multiple: true },
  'max-delete': { type: 'string' },
  'source-marker': { type: 'string' },
};

interface CommandSpec {
  /** Positional arguments, by name for messages. */
  args: readonly string[];
  options: Record<string, OptionSpec>;
  build(args: string[], values: Values): CtlCommand;
}

type Values = Record<string, string | boolean | string[] | boolean[] | undefined>;

const jobCommand = (name: JobCommandName): CommandSpec => ({
  args: ['NAME'],
  options: {},
  build: ([job]) => ({ name, job: job! }),
});

const COMMANDS: Readonly<Record<string, CommandSpec>> = {
  status: { args: [], options: {}, build: () => ({ name: 'status' }) },
  jobs: { args: [], options: {}, build: () => ({ name: 'jobs' }) },
  ...Object.fromEntries(JOB_COMMANDS.map((name) => [name, jobCommand(name)])),
  start: {
    args: [],
    options: START_OPTIONS,
    build: (_args, values) => ({ name: 'start', spec: jobSpec(values) }),
  },
  failures: {
    args: ['NAME'],
    options: { limit: { type: 'string' } },
    build: ([job], values) => ({ name: 'failures', job: job!, limit: limitOf(values.limit) }),
  },
  workers: { args: [], options: {}, build: () => ({ name: 'workers' }) },
  reload: { args: [], options: {}, build: () => ({ name: 'reload' }) },
  drain: { args: [], options: {}, build: () => ({ name: 'drain' }) },
  'wait-ready': {
    args: [],
    options: { timeout: { type: 'string' } },
    build: (_args, values) => ({ name: 'wait-ready', timeoutMs: timeoutOf(values.timeout) }),
  },
  config: {
    args: ['show'],
    options: {},
    build: ([sub]) => {
      if (sub !== 'show')
        throw new UsageError(
          `config: unknown subcommand ${JSON.stringify(sub)} (try "config show")`,
        );
      return { name: 'config-show' };
    },
  },
};

const WAIT_READY_DEFAULT_MS = 60_000;

/** Parses `argv` (without node and the script). Throws UsageError. */
export function parseCtlArgs(argv: readonly string[]): CtlArgs {
  const at = commandIndex(argv);
  const commandName = at === -1 ? undefined : argv[at]!;
  const spec = commandName === undefined ? undefined : COMMANDS[commandName];
  if (commandName !== undefined && spec === undefined) {
    const guess = closestWord(commandName, Object.keys(COMMANDS));
    throw new UsageError(
      `unknown command ${JSON.stringify(commandName)}${guess ? ` (did you mean "${guess}"?)` : ''}`,
    );
  }
  const rest = at === -1 ? [...argv] : [...argv.slice(0, at), ...argv.slice(at + 1)];
  let parsed;
  try {
    parsed = parseArgs({
      args: rest,
      options: { ...GLOBAL_OPTIONS, ...spec?.options },
      strict: true,
      allowPositionals: true,
      allowNegative: true,
    });
  } catch (error) {
    throw new UsageError(withCommand(commandName, messageOf(error)));
  }
  const values = parsed.values as Values;
  if (values.help === true) return { kind: 'help' };
  if (values.version === true) return { kind: 'version' };
  if (spec === undefined) throw new UsageError('missing command');
  const { positionals } = parsed;
  if (positionals.length < spec.args.length) {
    throw new UsageError(
      `${commandName!}: missing ${spec.args.slice(positionals.length).join(' ')}`,
    );
  }
  if (positionals.length > spec.args.length) {
    const extra = positionals.slice(spec.args.length).map((p) => JSON.stringify(p));
    throw new UsageError(`${commandName!}: unexpected argument ${extra.join(' ')}`);
  }
  const socket = values.socket as string | undefined;
  if (socket === '') throw new UsageError('--socket needs a path');
  return {
    kind: 'run',
    socket,
    json: values.json === true,
    command: spec.build(positionals, values),
  };
}

/**
 * Where the command word is: the first argument that is neither an option nor the value of
 * `--socket` (the one global option that takes a value). After `--`, the next argument.
 */
function commandIndex(argv: readonly string[]): number {
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i]!;
    if (arg === '--') return i + 1 < argv.length ? i + 1 : -1;
    if (arg === '--socket') i += 1;
    else if (!arg.startsWith('-') || arg === '-') return i;
  }
  return -1;
}

function withCommand(command: string | undefined, message: string): string {
  // parseArgs messages end with advice to use "--" that does not fit this command line.
  const trimmed = message.replace(/\s*To specify a positional argument.*$/s, '');
  return command === undefined ? trimmed : `${command}: ${trimmed}`;
}

function jobSpec(values: Values): Record<string, unknown> {
  for (const required of ['name', 'source', 'target'] as const) {
    if (values[required] === undefined) throw new UsageError(`start: --${required} is required`);
  }
  const spec: Record<string, unknown> = {};
  for (const [option, key] of Object.entries(JOB_OPTION_KEYS)) {
    const value = values[option];
    if (value === undefined) continue;
    if (option === 'files-per-task') spec[key] = wholeNumber('--files-per-task', value as string);
    else if (option === 'metadata') spec[key] = metadataOf(value as string[]);
    else spec[key] = value;
  }
  return spec;
}

function metadataOf(pairs: readonly string[]): Record<string, string> {
  const metadata: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0)
      throw new UsageError(`start: --metadata takes KEY=VALUE, not ${JSON.stringify(pair)}`);
    const key = pair.slice(0, eq);
    if (Object.hasOwn(metadata, key))
      throw new UsageError(`start: --metadata ${key} is given twice`);
    metadata[key] = pair.slice(eq + 1);
  }
  return metadata;
}

function wholeNumber(option: string, text: string): number {
  if (!/^\d{1,9}$/.test(text))
    throw new UsageError(`${option} must be a whole number, not ${JSON.stringify(text)}`);
  return Number(text);
}

function limitOf(value: Values[string]): number {
  if (value === undefined) return FAILURES_PAGE.default;
  const limit = wholeNumber('failures: --limit', value as string);
  if (limit < 1 || limit > FAILURES_PAGE.max) {
    throw new UsageError(`failures: --limit must be from 1 to ${FAILURES_PAGE.max}`);
  }
  return limit;
}

function timeoutOf(value: Values[string]): number {
  if (value === undefined) return WAIT_READY_DEFAULT_MS;
  const text = value as string;
  const seconds = /^\d+(\.\d+)?$/.test(text) ? Number(text) : NaN;
  if (!(seconds > 0) || seconds > 86_400) {
    throw new UsageError(
      `wait-ready: --timeout takes seconds (e.g. 30 or 2.5), not ${JSON.stringify(text)}`,
    );
  }
  return Math.round(seconds * 1000);
}
