/**
 * Loading handler modules: each load imports the file's current text, and the config loader
 * refuses modules that someone else could change, or that lie below such a directory.
 */
import assert from 'node:assert/strict';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { handlerFindings } from '../../../src/config/handler-checks.js';
import { callWithin } from '../../../src/handlers/call.js';
import { HandlerError } from '../../../src/handlers/errors.js';
import { HandlerRegistry } from '../../../src/handlers/registry.js';

const uid = process.geteuid?.() ?? 0;

describe('handler loading', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'handlers-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const write = async (name: string, text: string) => {
    const path = join(dir, name);
    await writeFile(path, text);
    return path;
  };
  const findings = async (registry: HandlerRegistry, path: string) => {
    const round = registry.round();
    const found = await handlerFindings({ job: [{ name: 'a', handler: path }] }, round);
    return { round, messages: found.map((finding) => finding.message) };
  };

  it('imports the current text of the module on every load (a reload sees the edit)', async () => {
    const path = await write('site.mjs', 'export default { operation: () => "put" };\n');
    const registry = new HandlerRegistry(uid);
    const first = await findings(registry, path);
    assert.deepEqual(first.messages, []);
    registry.install(first.round);
    const file = { name: 'x' } as never;
    assert.equal(await registry.get(path).call('operation', 1000, file), 'put');

    await write('site.mjs', 'export default { operation: () => "register" };\n');
    const second = await findings(registry, path);
    assert.deepEqual(second.messages, []);
    // Until the new round is installed, the running handler stays.
    assert.equal(await registry.get(path).call('operation', 1000, file), 'put');
    registry.install(second.round);
    assert.equal(await registry.get(path).call('operation', 1000, file), 'register');
  });

  it('keeps the running handler when the new text does not load', async () => {
    const path = await write('kept.mjs', 'export default { resource: () => "fast" };\n');
    const registry = new HandlerRegistry(uid);
    const first = await findings(registry, path);
    registry.install(first.round);
    await write('kept.mjs', 'export default { resource: () => "slow", };;; oops(\n');
    const second = await findings(registry, path);
    assert.match(second.messages[0] ?? '', /kept\.mjs:\d+: syntax error: /);
    assert.equal(await registry.get(path).call('resource', 1000, {} as never), 'fast');
  });

  it('refuses a module below a directory that others may write to, naming it and its mode', async () => {
    const open = join(dir, 'open');
    await mkdir(open);
    await chmod(open, 0o777);
    const path = join(open, 'site.mjs');
    await writeFile(path, 'export default {};\n');
    const { messages } = await findings(new HandlerRegistry(uid), path);
    assert.equal(messages.length, 1);
    assert.match(messages[0]!, new RegExp(`^${path} is refused: ${open} \\(mode 0777, `));
    assert.match(messages[0]!, /can be written by every user/);
  });

  it('refuses what is not a regular file', async () => {
    const sub = join(dir, 'a-dir.mjs');
    await mkdir(sub);
    const { messages } = await findings(new HandlerRegistry(uid), sub);
    assert.deepEqual(messages, [`${sub} is not a regular file`]);
  });

  it('says when a job names a handler that this daemon has not loaded', () => {
    assert.throws(
      () => new HandlerRegistry(uid).get('/etc/irods-ingest/handlers/none.mjs'),
      /the handler \/etc\/irods-ingest\/handlers\/none\.mjs is not loaded on this daemon/,
    );
  });
});

describe('calls into handler code', () => {
  it('turns a synchronous throw into a failure of the call', async () => {
    await assert.rejects(
      callWithin(
        'operation',
        () => {
          throw new Error('no');
        },
        1000,
      ),
      (error: unknown) =>
        error instanceof HandlerError &&
        error.message === 'operation threw: no' &&
        !error.retryable,
    );
  });

  it('keeps the retryable flag of what was thrown', async () => {
    const locked = Object.assign(new Error('locked'), { retryable: true });
    await assert.rejects(
      callWithin('preDataObjCreate', () => Promise.reject(locked), 1000),
      (error: unknown) => error instanceof HandlerError && error.retryable,
    );
  });

  it('fails a call that does not settle in time, retryably', async () => {
    await assert.rejects(
      callWithin('postPass', () => new Promise(() => undefined), 50),
      (error: unknown) =>
        error instanceof HandlerError &&
        error.code === 'HANDLER_TIMED_OUT' &&
        error.retryable &&
        /postPass did not finish within 0\.1 s/.test(error.message),
    );
  });
});
