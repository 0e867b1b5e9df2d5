import assert from 'node:assert/strict';
import { lstat, mkdtemp, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, describe, it } from 'node:test';
import { ControlAnswerError, ControlClient } from '../../../src/ctl/client.js';
import { startControlServer, type ControlServer } from '../../../src/control/server.js';
import { ControlSocketError } from '../../../src/control/socket-file.js';
import { ControlError } from '../../../src/control/http-errors.js';
import { startChild } from '../../helpers/child.js';
import { eventually } from '../../helpers/eventually.js';
import { failure, jobStatus, MemoryTarget } from './memory-target.js';
import { json, send } from './socket-http.js';

function testLogger() {
  const lines: { level: string; message: string; meta?: Record<string, unknown> }[] = [];
  const at = (level: string) => (message: string, meta?: Record<string, unknown>) => {
    lines.push({ level, message, meta });
  };
  return { lines, error: at('error'), warn: at('warn'), debug: at('debug') };
}

describe('the control socket file', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ctl-sock-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('is a socket with mode 0660, and no staging directory is left behind', async () => {
    const path = join(dir, 'mode', 'ctl.sock');
    const server = await startControlServer({
      socketPath: path,
      target: new MemoryTarget(),
      logger: testLogger(),
    });
    try {
      const info = await lstat(path);
      assert.ok(info.isSocket());
      assert.equal(info.mode & 0o777, 0o660);
      assert.deepEqual(await readdir(join(dir, 'mode')), ['ctl.sock']);
      // A runtime directory the server had to create gets 0750 (design.md).
      assert.equal((await stat(join(dir, 'mode'))).mode & 0o777, 0o750);
    } finally {
      await server.close();
    }
    await assert.rejects(lstat(path), { code: 'ENOENT' });
  });

  it('never shows a mode wider than 0660 at its path, across restarts', async () => {
    const path = join(dir, 'observed.sock');
    const modes = new Set<number>();
    let observing = true;
    const observer = (async () => {
      while (observing) {
        const info = await lstat(path).catch(() => undefined);
        if (info !== undefined) modes.add(info.mode & 0o777);
      }
    })();
    try {
      for (let i = 0; i < 20; i += 1) {
        const server = await startControlServer({
          socketPath: path,
          target: new MemoryTarget(),
          logger: testLogger(),
        });
        await server.close();
      }
    } finally {
      observing = false;
      await observer;
    }
    assert.deepEqual([...modes], [0o660]);
  });

  it('replaces a stale socket left by a killed process', async () => {
    const path = join(dir, 'stale.sock');
    const script =
      "require('node:net').createServer().listen(process.argv[1], () => console.log('listening'))";
    const { child } = await startChild(process.execPath, ['-e', script, path], /listening/);
    await child.kill();
    assert.ok((await lstat(path)).isSocket(), 'the killed process left its socket behind');

    const logger = testLogger();
    const server = await startControlServer({
      socketPath: path,
      target: new MemoryTarget(),
      logger,
    });
    try {
      assert.equal((await send(path, 'GET', '/v1/status')).status, 200);
      assert.equal((await lstat(path)).mode & 0o777, 0o660);
      assert.ok(
        logger.lines.some((l) => l.level === 'warn' && /replaced a stale socket/.test(l.message)),
      );
    } finally {
      await server.close();
    }
  });

  it('refuses a path where a live server answers, which keeps serving', async () => {
    const path = join(dir, 'live.sock');
    const first = await startControlServer({
      socketPath: path,
      target: new MemoryTarget(),
      logger: testLogger(),
    });
    try {
      await assert.rejects(
        startControlServer({ socketPath: path, target: new MemoryTarget(), logger: testLogger() }),
        (error: unknown) =>
          error instanceof ControlSocketError &&
          error.code === 'CONTROL_SOCKET_IN_USE' &&
          /another process is listening/.test(error.message),
      );
      assert.equal((await send(path, 'GET', '/v1/status')).status, 200);
    } finally {
      await first.close();
    }
  });

  it('refuses a regular file at the path and leaves it untouched', async () => {
    const path = join(dir, 'operator-file');
    await writeFile(path, 'precious');
    await assert.rejects(
      startControlServer({ socketPath: path, target: new MemoryTarget(), logger: testLogger() }),
      (error: unknown) =>
        error instanceof ControlSocketError && error.code === 'CONTROL_SOCKET_NOT_A_SOCKET',
    );
    assert.equal(await readFile(path, 'utf8'), 'precious');
    assert.deepEqual(
      (await readdir(dir)).filter((name) => name.startsWith('.ctl-')),
      [],
    );
  });

  it('on close removes only its own socket, not one that replaced it', async () => {
    const path = join(dir, 'replaced.sock');
    const old = await startControlServer({
      socketPath: path,
      target: new MemoryTarget(),
      logger: testLogger(),
    });
    await rename(path, join(dir, 'moved-away.sock'));
    const successor = await startControlServer({
      socketPath: path,
      target: new MemoryTarget(),
      logger: testLogger(),
    });
    try {
      await old.close();
      assert.equal((await send(path, 'GET', '/v1/status')).status, 200);
    } finally {
      await successor.close();
    }
  });
});

describe('the control API', () => {
  let dir: string;
  let socketPath: string;
  let target: MemoryTarget;
  let server: ControlServer;
  let client: ControlClient;
  const logger = testLogger();

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ctl-api-'));
    socketPath = join(dir, 'ctl.sock');
    target = new MemoryTarget([
      jobStatus('microscope-1', { state: 'running', pass: 3 }),
      jobStatus('odd name/ü%', { state: 'idle' }),
    ]);
    target.failureLists.set(
      'microscope-1',
      Array.from({ length: 5 }, (_, i) => failure(`f${i}.tif`)),
    );
    server = await startControlServer({ socketPath, target, logger });
    client = new ControlClient(socketPath);
  });
  after(async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('answers status, jobs and one job', async () => {
    const status = await client.status();
    assert.equal(status.status, 200);
    assert.equal(status.value.ready, true);
    assert.equal(status.text, JSON.stringify(status.value));
    assert.deepEqual(
      (await client.jobs()).value.jobs.map((j) => j.name),
      ['microscope-1', 'odd name/ü%'],
    );
    assert.equal((await client.job('microscope-1')).value.pass, 3);
  });

  it('percent-decodes job names on the way in', async () => {
    assert.equal((await client.job('odd name/ü%')).value.state, 'idle');
    assert.ok(target.calls.includes('job odd name/ü%'));
  });

  it('answers 404 not-found for an unknown job, in the error shape', async () => {
    const answer = await send(socketPath, 'GET', '/v1/jobs/nope');
    assert.equal(answer.status, 404);
    assert.match(String(answer.headers['content-type']), /^application\/json/);
    assert.deepEqual(json(answer), {
      error: { code: 'not-found', message: 'no job named "nope"' },
    });
    await assert.rejects(client.job('nope'), (error: unknown) => {
      return (
        error instanceof ControlAnswerError && error.status === 404 && error.wire === 'not-found'
      );
    });
  });

  it('starts an ad-hoc job from a JSON body and reports its problems', async () => {
    const created = await send(
      socketPath,
      'POST',
      '/v1/jobs',
      JSON.stringify({
        name: 'adhoc',
        source: '/data/a',
        target: '/tempZone/home/rods/a',
        rescan_interval: '0',
      }),
      { 'Content-Type': 'application/json' },
    );
    assert.equal(created.status, 201);
    assert.equal((json(created) as { name: string }).name, 'adhoc');
    assert.deepEqual(target.startedSpecs.at(-1), {
      name: 'adhoc',
      source: '/data/a',
      target: '/tempZone/home/rods/a',
      rescan_interval: '0',
    });

    const again = await send(
      socketPath,
      'POST',
      '/v1/jobs',
      JSON.stringify({ name: 'adhoc', source: '/s', target: '/t' }),
    );
    assert.equal(again.status, 409);
    assert.equal((json(again) as { error: { code: string } }).error.code, 'conflict');

    const invalid = await send(
      socketPath,
      'POST',
      '/v1/jobs',
      JSON.stringify({ name: 'x', bogus: 1 }),
    );
    assert.equal(invalid.status, 400);
    assert.match(invalid.text, /job\.bogus: unknown key/);
    assert.match(invalid.text, /job\.source: is required/);
  });

  it('answers 400 naming the problem for a body that is not a JSON object', async () => {
    const cases: [string, RegExp][] = [
      ['{"name": ', /not valid JSON/],
      ['', /it is empty/],
      ['[1,2]', /not an array/],
      ['null', /not null/],
      ['"text"', /not a string/],
    ];
    for (const [body, pattern] of cases) {
      const answer = await send(socketPath, 'POST', '/v1/jobs', body);
      assert.equal(answer.status, 400, body);
      const error = (json(answer) as { error: { code: string; message: string } }).error;
      assert.equal(error.code, 'bad-request');
      assert.match(error.message, pattern);
    }
  });

  it('runs the job actions', async () => {
    target.jobsByName.set('act', jobStatus('act', { state: 'running' }));
    assert.deepEqual((await client.action('act', 'pause')).value, { ok: true });
    assert.equal(target.jobsByName.get('act')!.state, 'paused');
    const twice = await send(socketPath, 'POST', '/v1/jobs/act/pause');
    assert.equal(twice.status, 409);
    await client.action('act', 'resume');
    await client.action('act', 'rescan');
    target.failureLists.set('act', [failure('x')]);
    assert.deepEqual((await client.retry('act')).value, { queued: 1 });
    await client.action('act', 'stop');
    assert.equal(target.jobsByName.has('act'), false);
    assert.deepEqual(target.calls.slice(-6), [
      'pause act',
      'pause act',
      'resume act',
      'rescan act',
      'retry act',
      'stop act',
    ]);
  });

  it('pages through failures with limit and cursor', async () => {
    const first = await client.failures('microscope-1', { limit: 2 });
    assert.deepEqual(
      first.value.failures.map((f) => f.path),
      ['f0.tif', 'f1.tif'],
    );
    assert.equal(first.value.next, '2');
    const last = await client.failures('microscope-1', { limit: 10, cursor: first.value.next });
    assert.deepEqual(
      last.value.failures.map((f) => f.path),
      ['f2.tif', 'f3.tif', 'f4.tif'],
    );
    assert.equal(last.value.next, undefined);
    const defaults = await send(socketPath, 'GET', '/v1/jobs/microscope-1/failures');
    assert.equal(defaults.status, 200);
    assert.ok(target.calls.includes('failures microscope-1 100 -'));
    assert.equal(
      (await send(socketPath, 'GET', '/v1/jobs/microscope-1/failures?limit=x')).status,
      400,
    );
  });

  it('reloads, drains and shows the config', async () => {
    assert.equal((await client.reload()).value.applied, true);
    const drained = await client.drain();
    assert.equal(drained.status, 202);
    assert.deepEqual(drained.value, { draining: true });
    assert.equal(target.draining, true);
    target.draining = false;
    assert.equal(((await client.config()).value.redis as { url: string }).url, 'embedded');
  });

  it('answers 404 for unknown routes and 405 with Allow for wrong methods', async () => {
    const unknown = await send(socketPath, 'GET', '/v1/nothing-here');
    assert.equal(unknown.status, 404);
    assert.equal((json(unknown) as { error: { code: string } }).error.code, 'not-found');
    const wrong = await send(socketPath, 'DELETE', '/v1/jobs/microscope-1');
    assert.equal(wrong.status, 405);
    assert.equal(wrong.headers.allow, 'GET');
    assert.equal((json(wrong) as { error: { code: string } }).error.code, 'method-not-allowed');
  });

  it('turns unexpected target errors into 500 internal without a stack, and logs them', async () => {
    target.failWith = new TypeError('redis went away');
    try {
      const answer = await send(socketPath, 'GET', '/v1/status');
      assert.equal(answer.status, 500);
      assert.deepEqual(json(answer), { error: { code: 'internal', message: 'redis went away' } });
      const logged = logger.lines.find(
        (l) => l.level === 'error' && /redis went away/.test(l.message),
      );
      assert.ok(logged);
      assert.match(String(logged.meta?.stack), /TypeError/);
      target.failWith = new ControlError('UNAVAILABLE', 'the daemon is stopping');
      const unavailable = await send(socketPath, 'GET', '/v1/jobs');
      assert.equal(unavailable.status, 503);
      assert.deepEqual(json(unavailable), {
        error: { code: 'unavailable', message: 'the daemon is stopping' },
      });
    } finally {
      target.failWith = undefined;
    }
  });

  it('streams events as NDJSON and ends the target iterator when the client leaves', async () => {
    const ended = target.endedStreams;
    const lines: unknown[] = [];
    await new Promise<void>((resolve, reject) => {
      const req = httpRequest({ socketPath, path: '/v1/events', agent: false }, (res) => {
        assert.equal(res.statusCode, 200);
        assert.equal(res.headers['content-type'], 'application/x-ndjson');
        const reader = createInterface({ input: res });
        // Leaving mid-stream aborts the response on our side; that is the point here.
        reader.on('error', () => undefined);
        reader.on('line', (line) => {
          lines.push(JSON.parse(line));
          if (lines.length === 2) {
            req.destroy();
            resolve();
          }
        });
      });
      req.on('error', reject);
      req.end();
      void eventually('the stream open', () => target.openStreams > 0, { intervalMs: 20 }).then(
        () => {
          target.emit({
            at: '2026-11-29T10:00:00.000Z',
            kind: 'pass-started',
            job: 'm1',
            message: 'pass 1',
          });
          target.emit({ at: '2026-11-29T10:00:01.000Z', kind: 'log', message: 'two' });
        },
        reject,
      );
    });
    assert.deepEqual(lines, [
      { at: '2026-11-29T10:00:00.000Z', kind: 'pass-started', job: 'm1', message: 'pass 1' },
      { at: '2026-11-29T10:00:01.000Z', kind: 'log', message: 'two' },
    ]);
    await eventually(
      'the stream ended',
      () => target.endedStreams === ended + 1 && target.openStreams === 0,
      { intervalMs: 20 },
    );
  });
});

describe('closing the control server', () => {
  it('ends open event streams and finishes promptly', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ctl-close-'));
    const socketPath = join(dir, 'ctl.sock');
    const target = new MemoryTarget();
    const server = await startControlServer({ socketPath, target, logger: testLogger() });
    try {
      const streamEnded = new Promise<void>((resolve, reject) => {
        const req = httpRequest({ socketPath, path: '/v1/events', agent: false }, (res) => {
          res.resume();
          res.on('end', resolve);
          res.on('error', resolve);
        });
        req.on('error', reject);
        req.end();
      });
      await eventually('the stream open', () => target.openStreams === 1, { intervalMs: 20 });
      const started = Date.now();
      await server.close();
      await streamEnded;
      assert.ok(Date.now() - started < 1_500, 'close did not wait for the stream');
      assert.equal(target.openStreams, 0);
      await assert.rejects(lstat(socketPath), { code: 'ENOENT' });
      await server.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
