/**
 * The hooks of an event handler around actions and passes (design.md "Event handlers"): when
 * they fire and how often, what a throwing or slow hook does to its file (and only to it), and
 * the pass hooks of periodic jobs, against the emulator.
 */
import assert from 'node:assert/strict';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { countsOf, namesIn, useSyncFixture, writeTree } from '../sync/fixture.js';
import { eventually } from '../../helpers/eventually.js';
import type { JobStatus } from '../../../src/control/wire.js';
import { ctl, ctlJson, freePort, metric } from '../sync/safety.js';
import { failuresOf, handlerModule, readCalls, recorder, tally } from './fixture.js';

const HOME = '/tempZone/home/rods';

describe('event handler hooks', () => {
  const fx = useSyncFixture();

  it('fires each create hook once per file and collection, the root and empty directories included; modify hooks on changes', async () => {
    const dir = await fx.tempDir('hooks-create-');
    const source = join(dir, 'src');
    const events = join(dir, 'events.jsonl');
    await writeTree(source, {
      'a.txt': 'a',
      'sub/b.txt': 'b',
      'sub/deep/c.txt': 'c',
      'empty/': '',
    });
    const handler = await handlerModule(dir, `${recorder(events)}export default recordAll;\n`);
    const target = `${HOME}/hooks-create`;
    const daemon = await fx.daemon({
      workers: 8,
      jobs: [{ name: 'create', source, target, operation: 'put_sync', handler, files_per_task: 1 }],
    });
    await daemon.passDone(1, 'create');
    const created = tally(await readCalls(events));
    const once = (hook: string, rels: string[]) =>
      Object.fromEntries(rels.map((rel) => [`${hook} ${rel}`, 1]));
    const collections = ['', 'sub', 'sub/deep', 'empty'];
    const files = ['a.txt', 'sub/b.txt', 'sub/deep/c.txt'];
    assert.deepEqual(created, {
      ...once('preCollCreate', collections),
      ...once('postCollCreate', collections),
      ...once('preDataObjCreate', files),
      ...once('postDataObjCreate', files),
      'prePass 1': 1,
      'postPass 1': 1,
    });

    await writeFile(join(source, 'sub/b.txt'), 'b, version two');
    await rm(events);
    assert.equal((await ctl(daemon, 'rescan', 'create')).code, 0);
    await daemon.passDone(2, 'create');
    assert.deepEqual(tally(await readCalls(events)), {
      'preDataObjModify sub/b.txt': 1,
      'postDataObjModify sub/b.txt': 1,
      'prePass 2': 1,
      'postPass 2': 1,
    });
  });

  it('fires delete hooks with each delete mode, around what iRODS removed', async () => {
    const dir = await fx.tempDir('hooks-delete-');
    const jobs = [
      { mode: 'unregister', operation: 'register' },
      { mode: 'trash', operation: 'put_sync' },
      { mode: 'no_trash', operation: 'put_sync' },
      { mode: 'keep', operation: 'put_sync' },
    ];
    const specs = [];
    for (const { mode, operation } of jobs) {
      const source = join(dir, mode);
      await writeTree(source, { 'x.txt': 'x', 'stays.txt': 's', 'd/y.txt': 'y' });
      const events = join(dir, `${mode}.jsonl`);
      const handler = await handlerModule(
        dir,
        `${recorder(events)}export default recordAll;\n`,
        `${mode}.mjs`,
      );
      specs.push({
        name: mode.replace('_', '-'),
        source,
        target: `${HOME}/hooks-delete-${mode}`,
        operation,
        delete: mode,
        handler,
        max_delete: '100%',
      });
    }
    const daemon = await fx.daemon({ jobs: specs });
    for (const spec of specs) await daemon.passDone(1, spec.name);
    for (const spec of specs) {
      await rm(join(spec.source, 'x.txt'));
      await rm(join(spec.source, 'd'), { recursive: true });
      await rm(join(dir, `${spec.delete}.jsonl`));
      assert.equal((await ctl(daemon, 'rescan', spec.name)).code, 0);
    }
    for (const spec of specs) {
      await daemon.passDone(2, spec.name);
      const calls = tally(await readCalls(join(dir, `${spec.delete}.jsonl`)));
      const passes = { 'prePass 2': 1, 'postPass 2': 1 };
      if (spec.delete === 'keep') {
        assert.deepEqual(calls, passes, spec.delete);
        assert.deepEqual(await namesIn(fx.client, spec.target), ['d', 'stays.txt', 'x.txt']);
        continue;
      }
      assert.deepEqual(
        calls,
        {
          'preDataObjDelete x.txt': 1,
          'postDataObjDelete x.txt': 1,
          'preDataObjDelete d/y.txt': 1,
          'postDataObjDelete d/y.txt': 1,
          'preCollDelete d': 1,
          'postCollDelete d': 1,
          ...passes,
        },
        spec.delete,
      );
      assert.deepEqual(await namesIn(fx.client, spec.target), ['stays.txt'], spec.delete);
    }
  });

  it('retries a hook that fails once with retryable and maxAttempts = 3: no failures', async () => {
    const dir = await fx.tempDir('hooks-retry-');
    const source = join(dir, 'src');
    const files = Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`f${i}.txt`, `${i}`]));
    await writeTree(source, files);
    const events = join(dir, 'events.jsonl');
    const handler = await handlerModule(
      dir,
      `${recorder(events)}const seen = new Set();
export default {
  maxAttempts: () => 3,
  retryDelay: () => 100,
  preDataObjCreate(ctx) {
    record('preDataObjCreate')(ctx);
    if (seen.has(ctx.file.name)) return;
    seen.add(ctx.file.name);
    throw Object.assign(new Error('not yet'), { retryable: true });
  },
};\n`,
    );
    const target = `${HOME}/hooks-retry`;
    const daemon = await fx.daemon({
      jobs: [{ name: 'retry', source, target, operation: 'put_sync', handler }],
    });
    const summary = await daemon.passDone(1, 'retry');
    assert.equal(countsOf(summary).failed, 0);
    assert.equal(countsOf(summary).new, 10);
    assert.deepEqual(await failuresOf(daemon, 'retry'), []);
    assert.deepEqual(await namesIn(fx.client, target), Object.keys(files).sort());
    // Each file went in on its second try.
    assert.deepEqual(
      tally(await readCalls(events)),
      Object.fromEntries(Object.keys(files).map((name) => [`preDataObjCreate ${name}`, 2])),
    );
  });

  it('fails every file with the message of a pre hook that throws, and sends none of them', async () => {
    const dir = await fx.tempDir('hooks-refuse-');
    const source = join(dir, 'src');
    await writeTree(source, { 'a.txt': 'a', 'b.txt': 'b', 'sub/c.txt': 'c' });
    const handler = await handlerModule(
      dir,
      `export default {
  preDataObjCreate({ file }) {
    throw new Error('no ingest of ' + file.name + ' today');
  },
};\n`,
    );
    const target = `${HOME}/hooks-refuse`;
    const daemon = await fx.daemon({
      jobs: [{ name: 'refuse', source, target, operation: 'put_sync', handler }],
    });
    const summary = await daemon.passDone(1, 'refuse');
    assert.equal(countsOf(summary).failed, 3);
    const failures = await failuresOf(daemon, 'refuse');
    assert.deepEqual(failures.map((failure) => failure.path).sort(), [
      'a.txt',
      'b.txt',
      'sub/c.txt',
    ]);
    for (const failure of failures) {
      const name = failure.path.split('/').at(-1)!;
      assert.match(
        failure.message,
        new RegExp(`preDataObjCreate threw: no ingest of ${name} today`),
      );
      assert.equal(failure.attempts, 1, 'not retried');
    }
    const objects = await fx.client.query.rows({
      select: ['DATA_NAME'],
      where: [{ column: 'COLL_NAME', op: 'like', value: `${target}%` }],
    });
    assert.deepEqual(objects, []);
  });

  it('fails a file whose 2 s hook outlasts its 1 s timeout, and stays up', async () => {
    const dir = await fx.tempDir('hooks-timeout-');
    const source = join(dir, 'src');
    await writeTree(source, { 'slow.txt': 'slow', 'quick.txt': 'quick' });
    const handler = await handlerModule(
      dir,
      `import { setTimeout as sleep } from 'node:timers/promises';
export default {
  timeout: () => 1000,
  maxAttempts: () => 1,
  async preDataObjCreate({ file }) {
    if (file.name === 'slow.txt') await sleep(2000);
  },
};\n`,
    );
    const target = `${HOME}/hooks-timeout`;
    const daemon = await fx.daemon({
      jobs: [{ name: 'timeout', source, target, operation: 'put_sync', handler }],
    });
    const summary = await daemon.passDone(1, 'timeout');
    assert.equal(countsOf(summary).failed, 1);
    const failures = await failuresOf(daemon, 'timeout');
    assert.deepEqual(
      failures.map((failure) => failure.path),
      ['slow.txt'],
    );
    assert.match(failures[0]!.message, /stopped after its handler's timeout \(1000 ms\)/);
    // The hook that was given up on finishes later; nothing of its file follows it into iRODS.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    assert.deepEqual(await namesIn(fx.client, target), ['quick.txt']);
    assert.equal((await ctl(daemon, 'status')).code, 0);
  });

  it('runs postPass once per pass of a periodic job with 16 workers', async () => {
    const dir = await fx.tempDir('hooks-pass-');
    const source = join(dir, 'src');
    const events = join(dir, 'events.jsonl');
    const files = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`f${i}.txt`, `${i}`]));
    await writeTree(source, files);
    const handler = await handlerModule(
      dir,
      `${recorder(events)}export default { prePass: record('prePass'), postPass: record('postPass') };\n`,
    );
    const daemon = await fx.daemon({
      workers: 16,
      jobs: [
        {
          name: 'passes',
          source,
          target: `${HOME}/hooks-pass`,
          operation: 'put_sync',
          handler,
          files_per_task: 1,
          rescan_interval: '1s',
        },
      ],
    });
    const third = await daemon.passDone(3, 'passes');
    const calls = await readCalls(events);
    const of = (hook: string, pass: number) =>
      calls.filter((call) => call.hook === hook && call.pass === pass);
    for (const pass of [1, 2, 3]) {
      assert.equal(of('prePass', pass).length, 1, `prePass ${pass}`);
      assert.equal(of('postPass', pass).length, 1, `postPass ${pass}`);
    }
    assert.deepEqual(of('postPass', 1)[0]?.counts, {
      seen: 40,
      new: 40,
      updated: 0,
      deleted: 0,
      excluded: 0,
      failed: 0,
      bytes: 70,
      adopted: 0,
      kept: 0,
      skipped: 0,
    });
    assert.equal(of('postPass', 3)[0]?.counts?.seen, countsOf(third).seen);
  });

  it('fails the pass while prePass throws, says why in status and metrics, and clears it once a pass completes', async () => {
    const dir = await fx.tempDir('hooks-prepass-');
    const source = join(dir, 'src');
    const offline = join(dir, 'archive-offline');
    await writeTree(source, { 'a.txt': 'a', 'sub/b.txt': 'b' });
    await writeFile(offline, '');
    const handler = await handlerModule(
      dir,
      `import { existsSync } from 'node:fs';
export default {
  prePass() {
    if (existsSync(${JSON.stringify(offline)})) throw new Error('the archive is offline');
  },
};\n`,
    );
    const target = `${HOME}/hooks-prepass`;
    const port = await freePort();
    const daemon = await fx.daemon({
      metricsListen: `127.0.0.1:${port}`,
      jobs: [{ name: 'gated', source, target, operation: 'put_sync', handler }],
    });
    await daemon.waitFor((event) => event.message.startsWith('job gated: the pass failed'));
    const failing = await eventually('the failed pass in status', async () => {
      const status = await ctlJson<JobStatus>(daemon, 'job', 'gated');
      return status.passFailure === undefined ? undefined : status;
    });
    assert.equal(failing.state, 'failed');
    assert.match(failing.passFailure!.reason, /the archive is offline/);
    assert.ok(failing.passFailure!.attempts >= 1);
    assert.ok(Date.parse(failing.nextRescanAt ?? '') > Date.parse(failing.passFailure!.since));
    const human = await ctl(daemon, 'job', 'gated');
    assert.equal(human.code, 0, 'the daemon is still up');
    assert.match(
      human.stdout,
      /^pass failed: +.*the archive is offline \((once|\d+ times in a row), since /m,
    );
    assert.match(
      (await ctl(daemon, 'status')).stdout,
      /^job gated: its pass failed: .*the archive is offline$/m,
    );
    assert.equal(await fx.client.collections.stat(target), undefined, 'nothing was done');
    const failedPasses = await metric(port, 'irods_ingest_failed_passes', { job: 'gated' });
    assert.ok(failedPasses !== undefined && failedPasses >= 1, `failed passes: ${failedPasses}`);

    await rm(offline);
    assert.equal((await ctl(daemon, 'rescan', 'gated')).code, 0);
    await daemon.waitFor((event) => event.job === 'gated' && event.durationMs !== undefined);
    const recovered = await ctlJson<JobStatus>(daemon, 'job', 'gated');
    assert.equal(recovered.passFailure, undefined);
    assert.notEqual(recovered.state, 'failed');
    assert.deepEqual(await namesIn(fx.client, target), ['a.txt', 'sub']);
    assert.doesNotMatch((await ctl(daemon, 'job', 'gated')).stdout, /pass failed/);
    assert.equal(await metric(port, 'irods_ingest_failed_passes', { job: 'gated' }), 0);
  });

  it('keeps 1,000 characters of a hook that throws megabytes, in the failure list and the log', async () => {
    const dir = await fx.tempDir('hooks-huge-');
    const source = join(dir, 'src');
    await writeTree(source, { 'a.txt': 'a', 'b.txt': 'b' });
    const handler = await handlerModule(
      dir,
      `export default {
  preDataObjCreate({ file }) {
    if (file.name === 'a.txt') throw new Error('refused: ' + 'x'.repeat(4 * 1024 * 1024));
  },
};\n`,
    );
    const target = `${HOME}/hooks-huge`;
    const daemon = await fx.daemon({
      jobs: [{ name: 'huge', source, target, operation: 'put_sync', handler }],
    });
    assert.equal(countsOf(await daemon.passDone(1, 'huge')).failed, 1);
    const [failure] = await failuresOf(daemon, 'huge');
    assert.equal(failure!.path, 'a.txt');
    assert.ok(
      failure!.message.length <= 1100,
      `a message of ${failure!.message.length} characters`,
    );
    assert.match(failure!.message, /preDataObjCreate threw: refused: x+…$/);
    const logged = daemon.logs.filter((event) => event.message.includes('refused: xxx'));
    assert.ok(logged.length > 0, 'the failure is logged');
    for (const event of logged) assert.ok(event.message.length <= 2000, 'log lines are bounded');
    assert.deepEqual(await namesIn(fx.client, target), ['b.txt']);
  });

  it('outlives handler code that throws anything, rejects late, or leaves a rejection behind', async () => {
    const dir = await fx.tempDir('hooks-rogue-');
    const source = join(dir, 'src');
    await writeTree(source, { 'a.txt': 'a', 'b.txt': 'b', 'c.txt': 'c' });
    const handler = await handlerModule(
      dir,
      `export default {
  operation(file) {
    if (file.name === 'a.txt') throw 'a string, not an Error';
    return undefined;
  },
  postDataObjCreate({ file }) {
    // Nobody waits for this one.
    void Promise.reject(new Error('stray rejection from ' + file.name));
    if (file.name === 'b.txt') return Promise.reject(null);
  },
};\n`,
    );
    const target = `${HOME}/hooks-rogue`;
    const daemon = await fx.daemon({
      jobs: [{ name: 'rogue', source, target, operation: 'put_sync', handler }],
    });
    const summary = await daemon.passDone(1, 'rogue');
    assert.equal(countsOf(summary).failed, 2);
    const failures = await failuresOf(daemon, 'rogue');
    assert.deepEqual(failures.map((failure) => failure.path).sort(), ['a.txt', 'b.txt']);
    assert.match(
      failures.find((failure) => failure.path === 'a.txt')!.message,
      /operation threw: a string, not an Error/,
    );
    await daemon.waitFor((event) => /stray rejection from c\.txt/.test(event.message));
    assert.equal((await ctl(daemon, 'status')).code, 0);
    await eventually('c.txt in iRODS', async () =>
      (await namesIn(fx.client, target)).includes('c.txt') ? true : undefined,
    );
  });
});
