import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';

const logModule = resolve(import.meta.dirname, '../../src/log.ts');

/** Runs `body` in a fresh process with `logger` created at `level` in `style`; its stdout. */
async function output(level: string, style: string, body: string): Promise<string> {
  const script = [
    `import { createLogger } from ${JSON.stringify(logModule)};`,
    `const logger = createLogger(${JSON.stringify(level)}, ${JSON.stringify(style)});`,
    body,
  ].join('\n');
  const { stdout } = await promisify(execFile)(process.execPath, [
    '--import',
    'tsx',
    '--input-type=module',
    '--eval',
    script,
  ]);
  return stdout;
}

/** The messages `body` logged in the JSON style. */
async function logged(level: string, body: string): Promise<string[]> {
  return (await output(level, 'json', body))
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

  it('escapes the control characters of a file name for journald and a terminal', async () => {
    // A file name with a screen clear, a carriage return, DEL and a right-to-left override.
    const name = JSON.stringify('in\u001b[2J\rx\u007f\u202egpj.exe');
    const body = `logger.warn('file failed: ' + ${name}, { job: 'j', path: ${name} });`;
    const journald = await output('info', 'journald', body);
    assert.equal(
      journald,
      '<4>file failed: in\\u001b[2J\\u000dx\\u007f\\u202egpj.exe {"job":"j","path":"in\\u001b[2J\\rx\\u007f\\u202egpj.exe"}\n',
    );
    const text = await output('info', 'text', body);
    assert.match(text, /^\S+ warn {2}file failed: in\\u001b\[2J\\u000dx\\u007f\\u202egpj\.exe \{/);
    for (const line of [journald, text]) {
      // eslint-disable-next-line no-control-regex -- looking for control characters
      assert.ok(!/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202e]/u.test(line), line);
    }
  });
});
