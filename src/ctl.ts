#!/usr/bin/env node
/**
 * `irods-ingestctl [--socket PATH] [--json] COMMAND ...`: the operator's client of the daemon's
 * control socket (see src/ctl/cli-args.ts for the commands).
 *
 * The only place (with main.ts) that touches the process: arguments, environment, streams, the
 * interrupt signal and the exit code. Exit codes: 0 ok, 1 command failed, 2 usage error, 3 daemon
 * not reachable (130 when `watch` or `wait-ready` is interrupted). The socket is `--socket`, else
 * `$IRODS_INGEST_SOCKET`, else /run/irods-ingest/ctl.sock.
 */
import { readFileSync } from 'node:fs';
import { parseCtlArgs, USAGE, UsageError, type CtlArgs } from './ctl/cli-args.js';
import { EXIT_CODES, runCommand } from './ctl/commands.js';

const DEFAULT_SOCKET = '/run/irods-ingest/ctl.sock';

function version(): string {
  const manifest = JSON.parse(
    readFileSync(new URL('../package.json', import.meta.url), 'utf8'),
  ) as {
    version: string;
  };
  return manifest.version;
}

function parse(): CtlArgs | undefined {
  try {
    return parseCtlArgs(process.argv.slice(2));
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`irods-ingestctl: ${error.message}\n${USAGE}\n`);
    return undefined;
  }
}

async function main(): Promise<number> {
  const args = parse();
  if (args === undefined) return EXIT_CODES.usage;
  if (args.kind === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return EXIT_CODES.ok;
  }
  if (args.kind === 'version') {
    process.stdout.write(`irods-ingestctl ${version()}\n`);
    return EXIT_CODES.ok;
  }
  // A reader that went away (`irods-ingestctl jobs | head -1`) ends us quietly.
  process.stdout.on('error', () => process.exit(process.exitCode ?? EXIT_CODES.ok));
  // The first Ctrl-C ends `watch` or `wait-ready` cleanly (the bar restores the cursor); a
  // second one falls back to Node's default and kills us.
  const interrupt = new AbortController();
  process.once('SIGINT', () => interrupt.abort());

  const tty = process.stdout.isTTY === true;
  const socketPath = args.socket ?? (process.env.IRODS_INGEST_SOCKET || DEFAULT_SOCKET);
  return runCommand(
    { socketPath, json: args.json, command: args.command },
    {
      stdout: process.stdout,
      print: (text) => process.stdout.write(`${text}\n`),
      printError: (text) => process.stderr.write(`${text}\n`),
      tty,
      colour: tty && process.env.NO_COLOR === undefined,
      now: () => new Date(),
      signal: interrupt.signal,
    },
  );
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(
      `irods-ingestctl: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exitCode = EXIT_CODES.failed;
  },
);
