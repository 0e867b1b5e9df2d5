#!/usr/bin/env node
/**
 * `irods-ingestd --config FILE [--check-config] [--role all|worker]`
 *
 * The only place (with ctl.ts) that touches the process: arguments, environment, signals and
 * exit codes. Exit codes: 0 stopped cleanly (or the config is valid), 1 the config is invalid or
 * the daemon failed, 2 usage error.
 *
 * Signals: SIGTERM or SIGINT stop taking work, let in-flight work finish within the shutdown
 * deadline and exit 0; a second one exits at once (1), recording nothing half-done. SIGHUP
 * reloads the config (validated first; a bad one is refused and the old one keeps running).
 */
import { fstatSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { checkConfigReport, ConfigError, loadConfig } from './config/index.js';
import { startDaemon } from './daemon.js';
import { IngestError } from './errors.js';
import { createLogger, LOG_STYLES, type LogStyle } from './log.js';
import { Metrics } from './metrics/index.js';
import { createNotifier } from './systemd.js';

/** The version in package.json, which sits next to dist/ (and src/). */
function packageVersion(): string {
  const manifest = readFileSync(new URL('../package.json', import.meta.url), 'utf8');
  return (JSON.parse(manifest) as { version: string }).version;
}

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
    usage((error as Error).message);
  }
}

/** journald when stdout is the stream journald gave us (systemd.exec(5) JOURNAL_STREAM). */
function logStyle(): LogStyle {
  const stream = process.env.JOURNAL_STREAM;
  if (stream !== undefined) {
    const stat = fstatSync(1);
    if (`${stat.dev}:${stat.ino}` === stream) return LOG_STYLES.journald;
  }
  return process.stdout.isTTY ? LOG_STYLES.text : LOG_STYLES.json;
}

async function main(): Promise<void> {
  const cli = parseCli();
  if (cli.checkConfig) {
    const report = await checkConfigReport(cli.config, process.env);
    process.stdout.write(`${report.text}\n`);
    process.exitCode = report.ok ? 0 : 1;
    return;
  }

  let config;
  try {
    config = await loadConfig(cli.config, process.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    const report = await checkConfigReport(cli.config, process.env);
    process.stderr.write(`${report.text}\n`);
    process.exitCode = 1;
    return;
  }
  const logger = createLogger(config.daemon.log_level, logStyle());
  const notifier = createNotifier(process.env, {
    pid: process.pid,
    onError: (error) => logger.warn(error.message),
  });
  // A reader of our stdout that went away (EPIPE) must not crash the daemon mid-shutdown and
  // leave the embedded Redis behind: logs are lost then, the work and its cleanup are not.
  process.stdout.on('error', () => undefined);
  process.stderr.on('error', () => undefined);

  const daemon = await startDaemon(config, {
    role: cli.role ?? config.daemon.role,
    logger,
    metrics: new Metrics({ logger }),
    notifier,
    configFile: cli.config,
    env: process.env,
    version: packageVersion(),
    pid: process.pid,
    uid: process.geteuid?.() ?? 0,
    applyLive: (next) => {
      logger.level = next.daemon.log_level;
    },
  });
  // Reload, like `irods-ingestctl reload`: a bad config is refused and the old one keeps running.
  process.on('SIGHUP', () => {
    daemon
      .reload()
      .catch((error: unknown) => logger.error(`reload failed: ${(error as Error).message}`));
  });
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    signals += 1;
    if (signals > 1) {
      logger.warn(`${signal} again: exiting now, in-flight work is not recorded`);
      process.exit(1);
    }
    logger.info(`${signal}: stopping (in-flight work finishes first; send it again to force)`);
    void daemon.stop();
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  process.exitCode = await daemon.finished;
  logger.info('stopped');
}

main().catch((error: unknown) => {
  // A refusal the daemon explains (IngestError) needs no stack; anything else is a bug.
  const text =
    error instanceof IngestError
      ? error.message
      : error instanceof Error
        ? (error.stack ?? error.message)
        : String(error);
  process.stderr.write(`irods-ingestd: ${text}\n`);
  process.exitCode = 1;
});
