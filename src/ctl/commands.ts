/**
 * The commands of `irods-ingestctl`: each one calls the control API through ControlClient and
 * returns its exit code (caddy's cmd/commandfuncs.go pattern). No process access here: ctl.ts
 * passes the streams, the clock and the interrupt signal in.
 *
 * Exit codes: 0 ok, 1 the command failed (an error answer, a refused reload, a pass with
 * failures), 2 usage (decided by ctl.ts before we run), 3 the daemon is not reachable.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { visibleText } from '../core/visible-text.js';
import type { CtlCommand, JobCommandName } from './cli-args.js';
import {
  ControlAnswerError,
  ControlClient,
  ControlProtocolError,
  DaemonUnreachableError,
  type Answer,
} from './client.js';
import { formatConfigToml } from './format-config.js';
import {
  formatAllowDeletes,
  formatFailures,
  formatJob,
  formatJobs,
  formatRefusedReload,
  formatReload,
  formatStatus,
  type FormatContext,
} from './format.js';
import { formatWorkers } from './format-workers.js';
import { makeStyle, visible } from './human.js';
import { INTERRUPTED_EXIT, watchJob } from './watch.js';

export const EXIT_CODES = { ok: 0, failed: 1, usage: 2, unreachable: 3 } as const;

export interface CtlIo {
  /** The output stream itself, for the progress bar of `watch`. */
  stdout: NodeJS.WritableStream;
  /** Writes `text` and a newline to stdout. */
  print(text: string): void;
  /** Writes `text` and a newline to stderr. */
  printError(text: string): void;
  /** stdout is a terminal. */
  tty: boolean;
  /** Colours are wanted (a terminal and NO_COLOR unset). */
  colour: boolean;
  now(): Date;
  /** Aborted on Ctrl-C (ends `watch` and `wait-ready`). */
  signal?: AbortSignal;
}

export interface CtlRun {
  socketPath: string;
  json: boolean;
  command: CtlCommand;
}

const PREFIX = 'irods-ingestctl: ';
/** reload and drain may take a while on a large config; everything else answers at once. */
const SLOW_CALL_MS = 120_000;

export async function runCommand(run: CtlRun, io: CtlIo): Promise<number> {
  const client = new ControlClient(run.socketPath);
  try {
    // The table is indexed by the command's own name, so handler and command match; TypeScript
    // cannot follow that through the union, hence the cast.
    return await COMMANDS[run.command.name](client, run as never, io);
  } catch (error) {
    return failure(error, run.json, io);
  }
}

type Handler<C extends CtlCommand> = (
  client: ControlClient,
  run: CtlRun & { command: C },
  io: CtlIo,
) => Promise<number>;
type Handlers = { [N in CtlCommand['name']]: Handler<Extract<CtlCommand, { name: N }>> };

const COMMANDS: Handlers = {
  status: async (client, run, io) =>
    show(await client.status(), run, io, (status) => formatStatus(status, formatContext(io))),
  jobs: async (client, run, io) =>
    show(await client.jobs(), run, io, ({ jobs }) => formatJobs(jobs, formatContext(io))),
  job: async (client, run, io) =>
    show(await client.job(run.command.job), run, io, (job) => formatJob(job, formatContext(io))),
  start: async (client, run, io) =>
    show(
      await client.startJob(run.command.spec),
      run,
      io,
      (job) => `started job ${job.name}\n${formatJob(job, formatContext(io))}`,
    ),
  stop: jobAction('stop', (job) => `stopped job ${job}`),
  pause: jobAction('pause', (job) => `paused job ${job}`),
  resume: jobAction('resume', (job) => `resumed job ${job}`),
  rescan: jobAction('rescan', (job) => `rescan of job ${job} requested`),
  resync: jobAction(
    'resync',
    (job) =>
      `resync of job ${job} requested: its pass summary counts the files adopted, new (sent) and failed (irods-ingestctl watch ${job} follows it)`,
  ),
  forget: async (client, run, io) =>
    show(
      await client.forget(run.command.job),
      run,
      io,
      ({ keys }) =>
        `forgot job ${run.command.job}: ${keys} Redis key${keys === 1 ? '' : 's'} deleted`,
    ),
  retry: async (client, run, io) =>
    show(
      await client.retry(run.command.job),
      run,
      io,
      ({ queued }) =>
        `re-queued ${queued} failed file${queued === 1 ? '' : 's'} of job ${run.command.job}`,
    ),
  'allow-deletes': async (client, run, io) =>
    show(await client.allowDeletes(run.command.job), run, io, (result) =>
      formatAllowDeletes(result),
    ),
  failures: async (client, run, io) => {
    const { job, limit } = run.command;
    const page = await client.failures(job, { limit });
    if (run.json) {
      io.print(page.text);
      return EXIT_CODES.ok;
    }
    const next = page.value.next !== undefined;
    // The page does not say how many there are in all; the job's status does.
    const total = next
      ? await client.job(job).then(
          (a) => a.value.failures,
          () => undefined,
        )
      : undefined;
    const failures = visible(page.value.failures);
    io.print(formatFailures(job, failures, { next, total }, formatContext(io)));
    return EXIT_CODES.ok;
  },
  watch: async (client, run, io) => {
    const sink = { write: () => true } as unknown as NodeJS.WritableStream;
    const result = await watchJob(client, run.command.job, {
      out: run.json ? sink : io.stdout,
      tty: io.tty && !run.json,
      signal: io.signal,
    });
    if (run.json && result.last !== undefined) io.print(result.last.text);
    return result.exitCode;
  },
  workers: async (client, run, io) =>
    show(await client.workers(), run, io, ({ workers }) =>
      formatWorkers(workers, formatContext(io)),
    ),
  reload: async (client, run, io) => {
    const answer = await client.reload({ timeoutMs: SLOW_CALL_MS });
    if (run.json) io.print(answer.text);
    if (!answer.value.applied) {
      io.printError(`${PREFIX}${formatRefusedReload(visible(answer.value))}`);
      return EXIT_CODES.failed;
    }
    if (!run.json) io.print(formatReload(visible(answer.value)));
    return EXIT_CODES.ok;
  },
  drain: async (client, run, io) =>
    show(
      await client.drain({ timeoutMs: SLOW_CALL_MS }),
      run,
      io,
      () => 'draining: no new passes; the daemon exits once its queues are empty',
    ),
  'wait-ready': (client, run, io) => waitReady(client, run, io),
  // The admin's own config, printed as TOML whose strings formatConfigToml escapes itself.
  'config-show': async (client, run, io) => {
    const answer = await client.config();
    io.print(run.json ? answer.text : formatConfigToml(answer.value));
    return EXIT_CODES.ok;
  },
};

/** A job action without an answer worth showing: `said(job)` confirms it. */
function jobAction(
  action: 'stop' | 'pause' | 'resume' | 'rescan' | 'resync',
  said: (job: string) => string,
): Handler<{ name: JobCommandName; job: string }> {
  return async (client, run, io) =>
    show(await client.action(run.command.job, action), run, io, () => said(run.command.job));
}

/** Prints the answer (exact JSON, or `human` of its value made visible) and succeeds. */
function show<T>(answer: Answer<T>, run: CtlRun, io: CtlIo, human: (value: T) => string): number {
  io.print(run.json ? answer.text : human(visible(answer.value)));
  return EXIT_CODES.ok;
}

/** Time between two looks at the daemon while waiting for it (ms). */
const READY_POLL_MS = 250;
/** Longest single status call while waiting (ms). */
const READY_CALL_MS = 5_000;

/**
 * Polls the status until `ready`. Exit 0 when ready; 1 when the daemon answered but was not
 * ready in time; 3 when it never answered at all; 130 when interrupted.
 */
async function waitReady(
  client: ControlClient,
  run: CtlRun & { command: { name: 'wait-ready' } },
  io: CtlIo,
): Promise<number> {
  const { timeoutMs } = run.command;
  const deadline = performance.now() + timeoutMs;
  let reached = false;
  let lastProblem: string | undefined;
  for (;;) {
    const left = deadline - performance.now();
    try {
      const answer = await client.request<{ ready: boolean }>('GET', '/v1/status', undefined, {
        timeoutMs: Math.max(100, Math.min(READY_CALL_MS, left)),
      });
      reached = true;
      if (answer.value.ready) {
        io.print(run.json ? answer.text : 'ready');
        return EXIT_CODES.ok;
      }
      lastProblem = 'the daemon reports not ready';
    } catch (error) {
      if (!(error instanceof DaemonUnreachableError)) reached = true;
      if (!(error instanceof Error)) throw error;
      lastProblem = error.message;
    }
    const wait = Math.min(READY_POLL_MS, deadline - performance.now());
    if (wait <= 0) break;
    try {
      await sleep(wait, undefined, { signal: io.signal });
    } catch {
      io.printError(`${PREFIX}interrupted`);
      return INTERRUPTED_EXIT;
    }
  }
  const seconds = `${timeoutMs / 1000} s`;
  if (!reached) {
    io.printError(`${PREFIX}daemon not reachable within ${seconds}: ${lastProblem ?? 'no answer'}`);
    return EXIT_CODES.unreachable;
  }
  io.printError(`${PREFIX}daemon not ready within ${seconds}: ${lastProblem ?? 'no answer'}`);
  return EXIT_CODES.failed;
}

function failure(error: unknown, json: boolean, io: CtlIo): number {
  if (error instanceof DaemonUnreachableError) {
    io.printError(`${PREFIX}${error.message}`);
    return EXIT_CODES.unreachable;
  }
  if (error instanceof ControlAnswerError) {
    if (json) io.print(error.text);
    io.printError(`${PREFIX}${visibleText(error.message)}`);
    return EXIT_CODES.failed;
  }
  if (error instanceof ControlProtocolError) {
    io.printError(`${PREFIX}${error.message}`);
    return EXIT_CODES.failed;
  }
  throw error;
}

function formatContext(io: CtlIo): FormatContext {
  return { style: makeStyle(io.colour), now: io.now() };
}
