#!/usr/bin/env node
/**
 * `irods-ingestd --config FILE [--check-config] [--role all|worker]`
 *
 * The only place (with ctl.ts) that touches the process: arguments, environment, signals and
 * exit codes. Exit codes: 0 stopped cleanly (or the config is valid), 1 the config is invalid or
 * the daemon failed, 2 usage error.
 *
 * Signals are handled from the first instant: the handlers go in before the daemon's code is
 * even loaded (it is imported afterwards), so a signal during start-up is a stop like any other.
 * - SIGTERM or SIGINT, to the daemon alone or to its whole process group (Ctrl-C in a terminal):
 *   stop taking work, let in-flight work finish within the grace period and exit 0. During
 *   start-up the start is cut short and undone (the embedded Redis stopped, the socket removed).
 * - The same signal again: exit at once with 1, recording nothing half-done (the embedded Redis
 *   ends with us: it gets SIGTERM when its parent dies).
 * - SIGHUP: reload the config (validated first; a bad one is refused and the old one keeps
 *   running). One that comes before the daemon can reload (during start-up, while it waits for
 *   iRODS) is carried out once its jobs run.
 */
import { fstatSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { IngestError, messageOf, redisRefusal } from './errors.js';
import type { Logger, LogStyle } from './log.js';

const USAGE = 'usage: irods-ingestd --config FILE [--check-config] [--role all|worker]';

function usage(message: string): never {
  process.stderr.write(`irods-ingestd: ${message}\n${USAGE}\n`);
  process.exit(2);
}

interface Cli {
  config: string;
  checkConfig: boolean;
  role: 'all' | 'worker' | undefined;
}

function parseCli(): Cli {
  try {
    const { values } = parseArgs({
      options: {
        config: { type: 'string' },
        'check-config': { type: 'boolean', default: false },
        role: { type: 'string' },
        help: { type: 'boolean', default: false },
      },
      strict: true,
      allowPositionals: false,
    });
    if (values.help) {
      process.stdout.write(`${USAGE}\n`);
      process.exit(0);
    }
    if (values.config === undefined) usage('--config is required');
    const { role } = values;
    if (role === undefined || role === 'all' || role === 'worker') {
      return { config: values.config, checkConfig: values['check-config'], role };
    }
    usage(`--role must be "all" or "worker", not ${JSON.stringify(role)}`);
  } catch (error) {
    usage(messageOf(error));
  }
}

/** The signals' side of the daemon's life: see the module comment. */
interface SignalTrap {
  /** Aborted by the first SIGTERM or SIGINT. */
  readonly stopRequest: AbortSignal;
  /** Where messages go once the logger exists (stderr before). */
  useLogger(logger: Logger): void;
  say(level: 'info' | 'warn', message: string): void;
  /**
   * How the daemon reloads, and when it can (`whenReloadable`: once its jobs run; before, it
   * refuses). SIGHUPs from the first instant on are carried out from then on.
   */
  onReload(reload: () => void, whenReloadable: Promise<void>): void;
}

function trapSignals(): SignalTrap {
  const stop = new AbortController();
  let logger: Logger | undefined;
  const say = (level: 'info' | 'warn', message: string) => {
    if (logger) logger[level](message);
    else process.stderr.write(`irods-ingestd: ${message}\n`);
  };
  const onStopSignal = (signal: NodeJS.Signals) => {
    if (stop.signal.aborted) {
      say('warn', `${signal} again: exiting now, in-flight work is not recorded`);
      process.exit(1);
    }
    say('info', `${signal}: stopping (in-flight work finishes first; send it again to force)`);
    stop.abort();
  };
  process.on('SIGTERM', onStopSignal);
  process.on('SIGINT', onStopSignal);
  // A SIGHUP before the daemon can reload (it is starting, or waits for iRODS) is carried out
  // once it can, rather than refused with nobody to tell. One reload reads the latest config.
  let reload: (() => void) | undefined;
  let asked = false;
  process.on('SIGHUP', () => {
    if (reload) return reload();
    asked = true;
    say('info', 'SIGHUP: the config is reloaded once the daemon runs its jobs');
  });
  return {
    stopRequest: stop.signal,
    say,
    useLogger(next) {
      logger = next;
    },
    onReload(next, whenReloadable) {
      void whenReloadable.then(() => {
        reload = next;
        if (asked) next();
      });
    },
  };
}

/** The version in package.json, which sits next to dist/ (and src/). */
function packageVersion(): string {
  const manifest = readFileSync(new URL('../package.json', import.meta.url), 'utf8');
  return (JSON.parse(manifest) as { version: string }).version;
}

/** journald when stdout is the stream journald gave us (systemd.exec(5) JOURNAL_STREAM). */
function logStyle(styles: Record<LogStyle, LogStyle>): LogStyle {
  const stream = process.env.JOURNAL_STREAM;
  if (stream !== undefined) {
    const stat = fstatSync(1);
    if (`${stat.dev}:${stat.ino}` === stream) return styles.journald;
  }
  return process.stdout.isTTY ? styles.text : styles.json;
}

/** The daemon's user: with root, the only one trusted to own handler modules and the like. */
function daemonUid(): number {
  return process.geteuid?.() ?? 0;
}

async function checkConfig(file: string): Promise<void> {
  const [{ checkConfigReport }, { HandlerRegistry }] = await Promise.all([
    import('./config/index.js'),
    import('./handlers/registry.js'),
  ]);
  const handlers = new HandlerRegistry(daemonUid()).round();
  const report = await checkConfigReport(file, process.env, { handlers });
  process.stdout.write(`${report.text}\n`);
  process.exitCode = report.ok ? 0 : 1;
}

/** Runs the daemon until it stops; returns its exit code. */
async function runDaemon(cli: Cli, trap: SignalTrap): Promise<number> {
  const [{ ConfigError, loadConfig, problemsText }, { HandlerRegistry }] = await Promise.all([
    import('./config/index.js'),
    import('./handlers/registry.js'),
  ]);
  const handlers = new HandlerRegistry(daemonUid());
  const round = handlers.round();
  let config;
  try {
    config = await loadConfig(cli.config, process.env, { handlers: round });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${problemsText(error)}\n`);
    return 1;
  }
  handlers.install(round);
  const [{ createLogger, LOG_STYLES }, { startDaemon }, { Metrics }, { createNotifier }] =
    await Promise.all([
      import('./log.js'),
      import('./daemon.js'),
      import('./metrics/index.js'),
      import('./systemd.js'),
    ]);
  const logger = createLogger(config.daemon.log_level, logStyle(LOG_STYLES));
  trap.useLogger(logger);
  // Event handlers run site code in this process: a promise one of them leaves rejected, with
  // nobody waiting on it, is logged rather than taken for the daemon's end.
  process.on('unhandledRejection', (reason) => {
    const text = reason instanceof Error ? (reason.stack ?? reason.message) : String(reason);
    logger.error(
      `a promise was rejected with nobody waiting for it (event handler code?): ${text}`,
    );
  });
  // A reader of our stdout that went away (EPIPE) must not crash the daemon mid-shutdown and
  // leave the embedded Redis behind: logs are lost then, the work and its cleanup are not.
  process.stdout.on('error', () => undefined);
  process.stderr.on('error', () => undefined);

  const daemon = await startDaemon(config, {
    role: cli.role ?? config.daemon.role,
    logger,
    signal: trap.stopRequest,
    metrics: new Metrics({ logger }),
    notifier: createNotifier(process.env, {
      pid: process.pid,
      onError: (error) => logger.warn(error.message),
    }),
    configFile: cli.config,
    env: process.env,
    version: packageVersion(),
    pid: process.pid,
    uid: daemonUid(),
    handlers,
    applyLive: (next) => {
      logger.level = next.daemon.log_level;
    },
  });
  // Reload, like `irods-ingestctl reload`: a bad config is refused and the old one keeps running.
  trap.onReload(() => {
    daemon.reload().catch((error: unknown) => logger.error(`reload failed: ${messageOf(error)}`));
  }, daemon.jobsStarted);
  const code = await daemon.finished;
  logger.info(code === 0 ? 'stopped' : `stopped with exit code ${code}`);
  return code;
}

async function main(): Promise<void> {
  const cli = parseCli();
  if (cli.checkConfig) return checkConfig(cli.config);
  const trap = trapSignals();
  let code: number;
  try {
    code = await runDaemon(cli, trap);
  } catch (error) {
    // Stopped during start-up: the start undid itself, and a requested stop is a clean one.
    if (!trap.stopRequest.aborted) throw error;
    trap.say('info', 'stopped during start-up');
    code = 0;
  }
  // Whatever a step of the stop left behind (a connection to a Redis that is gone, retrying for
  // ever) must not keep the process alive: every step has run or run out of time.
  process.exit(code);
}

main().catch((error: unknown) => {
  // A refusal the daemon explains (IngestError, a Redis that takes no writes) needs no stack;
  // anything else is a bug.
  const refusal = redisRefusal(error);
  const text =
    error instanceof IngestError
      ? error.message
      : refusal !== undefined
        ? `${refusal}; the daemon cannot start until it takes writes`
        : error instanceof Error
          ? (error.stack ?? error.message)
          : String(error);
  process.stderr.write(`irods-ingestd: ${text}\n`);
  process.exit(1);
});
