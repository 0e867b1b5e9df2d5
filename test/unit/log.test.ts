import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';

const logModule = resolve(import.meta.dirname, '../../src/log.ts');

/** Runs `body` in a fresh process with `logger` created at `level` (JSON style); its stdout. */
async function logged(level: string, body: string): Promise<string[]> {
  const script = [
    `import { createLogger } from ${JSON.stringify(logModule)};`,
    `const logger = createLogger(${JSON.stringify(level)}, 'json');`,
    body,
  ].join('\n');
  const { stdout } = await promisify(execFile)(process.execPath, [
    '--import',
    'tsx',
    '--input-type=module',
    '--eval',
    script,
  ]);
  return stdout
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => (JSON.parse(line) as { message: string }).message);
}

describe('createLogger', () => {
  it('drops debug events below the level and writes them once the level allows', async () => {
    const lines = await logged(
      'info',
      [
        "logger.debug('hidden', { job: 'a' });",
        "logger.info('shown');",
        "logger.level = 'debug';",
        "logger.debug('now shown', { job: 'a' });",
        "logger.level = 'warn';",
        "logger.debug('hidden again');",
        "logger.info('hidden too');",
        "logger.warn('warned');",
      ].join('\n'),
    );
    assert.deepEqual(lines, ['shown', 'now shown', 'warned']);
  });
});
