import assert from 'node:assert/strict';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { JobStatus } from '../../../src/control/wire.js';
import { eventually } from '../../helpers/eventually.js';
import { jobStatus, MemoryTarget } from './memory-target.js';
import { runCtl } from './run-ctl.js';
import { useControlServer } from './server-fixture.js';

const zero = { seen: 0, new: 0, updated: 0, deleted: 0, excluded: 0, failed: 0, bytes: 0 };

describe('irods-ingestctl watch', { concurrency: 4 }, () => {
  const target = new MemoryTarget();
  const server = useControlServer(target, 'ctl-watch-');
  const ctl = (...args: string[]) => runCtl(['--socket', server.socketPath, ...args]);

  /** Resolves once ctl has looked at `name` at least `times` times. */
  async function looked(name: string, times = 1): Promise<void> {
    await eventually(
      `ctl looking at ${name}`,
      () => target.calls.filter((call) => call === `job ${name}`).length >= times,
      { intervalMs: 25 },
    );
  }

  function update(name: string, changes: Partial<JobStatus>): void {
    Object.assign(target.jobsByName.get(name)!, changes);
  }

  const running = (name: string, pass: number): JobStatus =>
    jobStatus(name, {
      state: 'running',
      pass,
      passStartedAt: new Date().toISOString(),
      passEndedAt: undefined,
      current: { ...zero, seen: 40, new: 10 },
      rate: { files: 5, bytes: 0 },
      progress: { filesKnown: 20, filesDone: 10, bytesKnown: 0, bytesDone: 0, scanComplete: false },
    });

  const endPass = (failed: number): Partial<JobStatus> => ({
    state: 'idle',
    passEndedAt: new Date(Date.now() + 1).toISOString(),
    current: { ...zero, seen: 40, new: 20 - failed, failed },
  });

  it('watch follows the running pass to its end and exits 0 without failures', async () => {
    target.jobsByName.set('w-clean', running('w-clean', 2));
    const watching = ctl('watch', 'w-clean');
    await looked('w-clean');
    update('w-clean', endPass(0));
    const result = await watching;
    assert.equal(result.code, 0, result.stderr);
    assert.match(
      result.stdout,
      /^job w-clean pass 2: running, 10 of 20\+ files, 0 B, 5\.0 files\/s, 0 B\/s, ETA 2 s, 0 failed$/m,
    );
    assert.match(
      result.stdout,
      /^job w-clean pass 2 done: 40 seen, 20 new, 0 updated, 0 deleted, 0 excluded, 0 failed, 0 B, /m,
    );
  });

  it('watch exits 1 when the pass ended with failures', async () => {
    target.jobsByName.set('w-failed', running('w-failed', 1));
    const watching = ctl('watch', 'w-failed');
    await looked('w-failed');
    update('w-failed', endPass(3));
    const result = await watching;
    assert.equal(result.code, 1);
    assert.match(result.stdout, /pass 1 done: .* 3 failed/);
  });

  it('watch exits 1 with the reason when the pass itself fails', async () => {
    target.jobsByName.set('w-broken', running('w-broken', 3));
    const watching = ctl('watch', 'w-broken');
    await looked('w-broken');
    update('w-broken', {
      state: 'failed',
      passFailure: {
        reason: 'prePass threw: archive offline',
        since: new Date().toISOString(),
        attempts: 1,
      },
    });
    const result = await watching;
    assert.equal(result.code, 1);
    assert.match(result.stdout, /^job w-broken pass 3 failed: prePass threw: archive offline$/m);
    assert.doesNotMatch(result.stdout, /pass 3 done/);
  });

  it('watch waits for the next pass of an idle job', async () => {
    target.jobsByName.set('w-idle', jobStatus('w-idle', { state: 'idle', pass: 4 }));
    const watching = ctl('watch', 'w-idle');
    await looked('w-idle', 2);
    target.jobsByName.set('w-idle', running('w-idle', 5));
    await looked('w-idle', 3);
    update('w-idle', endPass(0));
    const result = await watching;
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^job w-idle: idle, waiting for pass 5$/m);
    assert.match(result.stdout, /^job w-idle pass 5 done: /m);
  });

  it('watch exits 1 when the job disappears, and for an unknown job', async () => {
    target.jobsByName.set('w-gone', running('w-gone', 1));
    const watching = ctl('watch', 'w-gone');
    await looked('w-gone');
    target.jobsByName.delete('w-gone');
    const [gone, unknown] = await Promise.all([watching, ctl('watch', 'never-was')]);
    assert.equal(gone.code, 1);
    assert.match(gone.stdout, /job w-gone is gone \(stopped or removed\) before pass 1 ended/);
    assert.equal(unknown.code, 1);
    assert.equal(unknown.stderr, 'irods-ingestctl: no job named "never-was"\n');
  });

  it('watch --json prints the last status of the job instead of progress', async () => {
    target.jobsByName.set('w-json', running('w-json', 7));
    const watching = ctl('--json', 'watch', 'w-json');
    await looked('w-json');
    update('w-json', endPass(0));
    const result = await watching;
    assert.equal(result.code, 0);
    const last = JSON.parse(result.stdout) as JobStatus;
    assert.equal(last.pass, 7);
    assert.equal(last.state, 'idle');
    assert.match(result.stdout, /^[^\n]+\n$/);
  });

  it('watch reports a finished one-shot job at once', async () => {
    target.jobsByName.set(
      'w-done',
      jobStatus('w-done', { state: 'done', pass: 1, current: { ...zero, seen: 3, new: 3 } }),
    );
    const result = await ctl('watch', 'w-done');
    assert.equal(result.code, 0);
    assert.match(result.stdout, /^job w-done pass 1 done: 3 seen, 3 new, /m);
  });
});

describe('irods-ingestctl wait-ready', () => {
  const target = new MemoryTarget();
  const server = useControlServer(target, 'ctl-ready-');

  it('exits 0 once the daemon reports ready', async () => {
    target.ready = false;
    const waiting = runCtl(['--socket', server.socketPath, 'wait-ready', '--timeout', '20']);
    const deadline = Date.now() + 15_000;
    while (!target.calls.includes('status') && Date.now() < deadline) await sleep(25);
    target.ready = true;
    const result = await waiting;
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, 'ready\n');
  });

  it('exits 1 when the daemon answers but is not ready in time', async () => {
    target.ready = false;
    try {
      const result = await runCtl(['--socket', server.socketPath, 'wait-ready', '--timeout', '1']);
      assert.equal(result.code, 1);
      assert.equal(
        result.stderr,
        'irods-ingestctl: daemon not ready within 1 s: the daemon reports not ready\n',
      );
    } finally {
      target.ready = true;
    }
  });

  it('exits 3 when the daemon never answers within the timeout', async () => {
    const started = Date.now();
    const result = await runCtl([
      '--socket',
      join(dirname(server.socketPath), 'absent.sock'),
      'wait-ready',
      '--timeout',
      '1',
    ]);
    assert.equal(result.code, 3);
    assert.match(
      result.stderr,
      /^irods-ingestctl: daemon not reachable within 1 s: cannot reach the daemon/,
    );
    assert.ok(Date.now() - started >= 1_000, 'it kept trying for the whole timeout');
  });
});
