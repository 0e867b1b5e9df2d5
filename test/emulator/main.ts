/**
 * CLI of the emulator:
 *   main.ts --port P --root DIR [--config FILE] [--host H]
 * Prints one line `irods-emulator listening on URL` once it accepts requests. SIGTERM or SIGINT
 * stops listening, flushes the catalog and exits 0; a second signal exits at once (1). Bad
 * arguments or config: a message on stderr and exit 2.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { ConfigError } from './config.js';
import { startEmulatorServer } from './index.js';

const USAGE = 'usage: irods-emulator --port P --root DIR [--config FILE] [--host H]';

function usageError(message: string): never {
  console.error(`irods-emulator: ${message}\n${USAGE}`);
  process.exit(2);
}

function parseCli() {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        port: { type: 'string' },
        root: { type: 'string' },
        config: { type: 'string' },
        host: { type: 'string', default: '127.0.0.1' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    usageError((error as Error).message);
  }
  if (values.port === undefined || !/^\d+$/.test(values.port) || Number(values.port) > 65535) {
    usageError('--port must be an integer between 0 and 65535');
  }
  if (values.root === undefined || values.root === '') usageError('--root is required');
  let config: unknown = {};
  if (values.config !== undefined) {
    try {
      config = JSON.parse(readFileSync(values.config, 'utf8'));
    } catch (error) {
      usageError(`cannot read config ${values.config}: ${(error as Error).message}`);
    }
  }
  return { port: Number(values.port), root: values.root, host: values.host, config };
}

const options = parseCli();
let emulator;
try {
  emulator = await startEmulatorServer(options);
} catch (error) {
  if (error instanceof ConfigError) usageError(error.message);
  throw error;
}
console.log(`irods-emulator listening on ${emulator.url}`);

let stopping = false;
const stop = (signal: NodeJS.Signals) => {
  if (stopping) {
    console.error(`irods-emulator: second ${signal}, exiting without a clean shutdown`);
    process.exit(1);
  }
  stopping = true;
  emulator.close().then(
    () => process.exit(0),
    (error: unknown) => {
      console.error('irods-emulator: shutdown failed:', error);
      process.exit(1);
    },
  );
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
