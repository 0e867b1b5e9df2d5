/**
 * irods-ingestctl against the real daemon (issue 5): every command with its exit code and JSON
 * shape, reload refused and applied mid-pass, drain, the socket's mode, and no secret in anything
 * the daemon or ctl printed.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createServer, type AddressInfo } from 'node:net';
import { execFileSync } from 'node:child_process';
import { lstat, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { IrodsClient } from '../../../src/irods/index.js';
import { startEmulator, type TestEmulator } from '../../helpers/emulator.js';
import { eventually } from '../../helpers/eventually.js';
import { startIngestd, type Ingestd } from '../../helpers/ingestd.js';
import { namesIn, writeTree } from '../sync/fixture.js';
import { runCtl, type CtlResult } from './run-ctl.js';
import { exchange, send } from './socket-http.js';

/** A port nobody listens on now (the config refuses port 0: Prometheus needs a fixed one). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const SECRET = 'pw-Zq81-never-printed';
const HOME = '/tempZone/home/rods';

describe('irods-ingestctl with the real daemon', () => {
  let emulator: TestEmulator;
  let client: IrodsClient;
  let daemon: Ingestd;
  let work: string;
  const printed: string[] = [];

  async function ctl(...args: string[]): Promise<CtlResult> {
    const result = await runCtl(['--socket', daemon.socket, ...args]);
    printed.push(result.stdout, result.stderr);
    return result;
  }

  async function json<T>(...args: string[]): Promise<T> {
    const result = await ctl('--json', ...args);
    assert.equal(result.code, 0, `${args.join(' ')}: ${result.stderr}`);
    return JSON.parse(result.stdout) as T;
  }

  type Job = {
    name: string;
    state: string;
    pass: number;
    failures: number;
    current: { failed: number };
  };

  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'ctl-daemon-'));
    emulator = await startEmulator({
      config: { irods_client: { proxy_admin_account: { username: 'rods', password: SECRET } } },
    });
    client = new IrodsClient({ url: emulator.url, username: 'rods', password: SECRET });
    await client.connect();
    await writeTree(join(work, 'alpha'), { 'a.txt': 'alpha', 'sub/b.txt': 'beta' }, 1_600_000_000);
    await writeTree(join(work, 'odd'), { 'fine.txt': 'fine' }, 1_600_000_000);
    execFileSync('mkfifo', [join(work, 'odd', 'pipe')]);
    daemon = await startIngestd({
      emulator,
      password: SECRET,
      metricsListen: `127.0.0.1:${await freePort()}`,
      daemon: { adhoc_sources: [work], adhoc_targets: [HOME] },
      jobs: [
        {
          name: 'alpha',
          source: join(work, 'alpha'),
          target: `${HOME}/alpha`,
          rescan_interval: '1h',
        },
        {
          name: 'odd',
          source: join(work, 'odd'),
          target: `${HOME}/odd`,
          rescan_interval: '1h',
          exclude_types: [],
        },
      ],
    });
  });

  after(async () => {
    await daemon?.kill();
    await daemon?.cleanUp();
    await client?.close();
    await emulator?.stop();
    await rm(work, { recursive: true, force: true });
  });

  it('waits until the daemon is ready, then reports it', async () => {
    assert.equal((await ctl('wait-ready', '--timeout', '60')).code, 0);
    const status = await json<{ ready: boolean; pid: number; jobs: Job[] }>('status');
    assert.equal(status.ready, true);
    assert.equal(status.pid, daemon.pid);
    assert.deepEqual(status.jobs.map((job) => job.name).sort(), ['alpha', 'odd']);
    const human = await ctl('status');
    assert.equal(human.code, 0);
    assert.match(human.stdout, /alpha/);
    assert.match(human.stdout, /odd/);
  });

  it('serves the socket with mode 0660', async () => {
    const stats = await lstat(daemon.socket);
    assert.ok(stats.isSocket());
    assert.equal(stats.mode & 0o777, 0o660);
  });

  it('watches a pass to its end: exit 0 when clean, 1 with failures', async () => {
    // The first passes must be over: a watch attached to one of them would follow it, not the
    // rescan that finds slow.txt.
    await Promise.all([daemon.passDone(1, 'alpha'), daemon.passDone(1, 'odd')]);
    // Slow registrations keep the passes running while watch attaches to them.
    await emulator.setFaults({ latencyMs: 3_000, ops: ['register'] });
    try {
      await writeFile(join(work, 'alpha', 'slow.txt'), 'slow');
      await writeFile(join(work, 'odd', 'slow.txt'), 'slow');
      // Watching first: an idle job's watch follows its next pass, which the rescans start; a
      // watch started after a short pass ended would wait for the one after.
      const watches = Promise.all([ctl('watch', 'alpha'), ctl('watch', 'odd')]);
      assert.equal((await ctl('rescan', 'alpha')).code, 0);
      assert.equal((await ctl('rescan', 'odd')).code, 0);
      const [clean, failing] = await watches;
      assert.equal(clean.code, 0, clean.stdout + clean.stderr);
      assert.equal(failing.code, 1, failing.stdout + failing.stderr);
    } finally {
      await emulator.clearFaults();
    }
    assert.deepEqual(await namesIn(client, `${HOME}/alpha`), ['a.txt', 'slow.txt', 'sub']);
  });

  it('serves Prometheus metrics of what it did', async () => {
    const line = await daemon.waitFor((e) => e.message.startsWith('metrics at '));
    const text = await (await fetch(line.message.slice('metrics at '.length))).text();
    const sample = (name: string) => {
      const match = new RegExp(`^${name.replace(/[{}"]/g, '\\$&')} (\\S+)$`, 'm').exec(text);
      return match === null ? undefined : Number(match[1]);
    };
    assert.ok(sample('irods_ingest_files_total{job="alpha",outcome="new"}')! >= 4, text);
    assert.ok(sample('irods_ingest_files_total{job="odd",outcome="new"}')! >= 1);
    assert.equal(sample('irods_ingest_failures{job="odd"}'), 1);
    assert.equal(sample('irods_ingest_redis_up'), 1);
    assert.ok(sample('irods_ingest_irods_request_duration_seconds_count{op="register"}')! >= 5);
  });

  it('lists failed files with their reasons and queues them again', async () => {
    const { failures } = await json<{ failures: { path: string; message: string }[] }>(
      'failures',
      'odd',
    );
    assert.deepEqual(
      failures.map((f) => f.path),
      ['pipe'],
    );
    assert.match(failures[0]!.message, /a fifo has no content to ingest/);
    const human = await ctl('failures', 'odd');
    assert.match(human.stdout, /pipe/);
    assert.deepEqual(await json('retry', 'odd'), { queued: 1 });
  });

  it('pauses, resumes and rescans a job', async () => {
    assert.equal((await ctl('pause', 'alpha')).code, 0);
    assert.equal((await json<Job>('job', 'alpha')).state, 'paused');
    const before = (await json<Job>('job', 'alpha')).pass;
    assert.equal((await ctl('resume', 'alpha')).code, 0);
    // Resuming rescans: what changed while paused is caught up.
    await eventually('a pass after resume', async () =>
      (await json<Job>('job', 'alpha')).pass > before ? true : undefined,
    );
    const pass = (await json<Job>('job', 'alpha')).pass;
    await writeFile(join(work, 'alpha', 'late.txt'), 'late');
    assert.equal((await ctl('rescan', 'alpha')).code, 0);
    await eventually('late.txt', async () =>
      (await client.dataObjects.stat(`${HOME}/alpha/late.txt`)) ? true : undefined,
    );
    assert.ok((await json<Job>('job', 'alpha')).pass > pass);
  });

  it('starts an ad-hoc job, validated like a config job, and stops it', async () => {
    await writeTree(join(work, 'adhoc'), { 'x.txt': 'ad hoc' }, 1_600_000_000);
    const bad = await ctl(
      'start',
      '--name',
      'adhoc',
      '--source',
      join(work, 'adhoc'),
      '--target',
      '/otherZone/x',
      '--operation',
      'put',
      '--delete',
      'unregister',
    );
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /job\.target: .*otherZone|job\.target/);
    assert.match(bad.stderr, /job\.delete: "unregister" is not allowed with operation "put"/);
    const taken = await ctl('start', '--name', 'alpha', '--source', work, '--target', `${HOME}/x`);
    assert.equal(taken.code, 1);
    assert.match(taken.stderr, /duplicate job name "alpha"|exists already/);

    const started = await ctl(
      'start',
      '--name',
      'adhoc',
      '--source',
      join(work, 'adhoc'),
      '--target',
      `${HOME}/adhoc`,
      '--operation',
      'put',
      '--rescan-interval',
      '0',
    );
    assert.equal(started.code, 0, started.stderr);
    await eventually('the ad-hoc job done', async () =>
      (await json<Job>('job', 'adhoc')).state === 'done' ? true : undefined,
    );
    assert.deepEqual(await namesIn(client, `${HOME}/adhoc`), ['x.txt']);
    assert.equal((await ctl('stop', 'adhoc')).code, 0);
    const gone = await ctl('job', 'adhoc');
    assert.equal(gone.code, 1);
    assert.match(gone.stderr, /no job named "adhoc"/);
  });

  it('refuses a bad config on reload, listing its problems, and keeps the old jobs', async () => {
    const good = await readFile(daemon.configFile, 'utf8');
    await writeFile(daemon.configFile, good.replace('workers = 4', 'workers = "many"\nbogus = 1'));
    const refused = await ctl('reload');
    assert.equal(refused.code, 1);
    assert.match(refused.stdout + refused.stderr, /daemon\.workers: expected an integer/);
    assert.match(refused.stdout + refused.stderr, /daemon\.bogus: unknown key/);
    const jobs = await json<{ jobs: Job[] }>('jobs');
    assert.deepEqual(jobs.jobs.map((job) => job.name).sort(), ['alpha', 'odd']);
    await writeFile(daemon.configFile, good);
  });

  it('applies a good config on reload mid-pass: adds, changes and removes jobs, loses nothing', async () => {
    await writeTree(join(work, 'beta'), { 'one.txt': '1', 'two.txt': '2' }, 1_600_000_000);
    const batch = Object.fromEntries(
      Array.from({ length: 30 }, (_, i) => [`mid/f${i}.txt`, `mid ${i}`]),
    );
    await writeTree(join(work, 'alpha'), batch, 1_600_000_000);
    // alpha is in the middle of registering these when the reload replaces it.
    await emulator.setFaults({ latencyMs: 300, ops: ['register'] });
    assert.equal((await ctl('rescan', 'alpha')).code, 0);
    await eventually('alpha mid-pass', async () =>
      (await namesIn(client, `${HOME}/alpha/mid`).catch(() => [])).length > 0 ? true : undefined,
    );
    const good = await readFile(daemon.configFile, 'utf8');
    const withoutOdd = good.slice(0, good.indexOf('[[job]]', good.indexOf('name = "alpha"')));
    const next = [
      withoutOdd.replace(
        `target = "${HOME}/alpha"`,
        `target = "${HOME}/alpha"\nexclude = ["**/*.tmp"]`,
      ),
      '[[job]]',
      'name = "beta"',
      `source = ${JSON.stringify(join(work, 'beta'))}`,
      `target = "${HOME}/beta"`,
      'rescan_interval = "1h"',
      'watch = false',
      '',
    ].join('\n');
    await writeFile(daemon.configFile, next);
    const result = await json<{
      applied: boolean;
      added: string[];
      removed: string[];
      changed: string[];
    }>('reload');
    assert.deepEqual(
      {
        applied: result.applied,
        added: result.added,
        removed: result.removed,
        changed: result.changed,
      },
      { applied: true, added: ['beta'], removed: ['odd'], changed: ['alpha'] },
    );
    await eventually('beta synced', async () =>
      (await namesIn(client, `${HOME}/beta`).catch(() => [])).length === 2 ? true : undefined,
    );
    const jobs = await json<{ jobs: Job[] }>('jobs');
    assert.deepEqual(jobs.jobs.map((job) => job.name).sort(), ['alpha', 'beta']);
    await emulator.clearFaults();
    await eventually('every file of the interrupted pass', async () =>
      (await namesIn(client, `${HOME}/alpha/mid`)).length === 30 ? true : undefined,
    );
  });

  it('shows the config with the password redacted', async () => {
    const shown = await ctl('config', 'show');
    assert.equal(shown.code, 0);
    assert.match(shown.stdout, /redacted/);
  });

  it('answers usage errors with 2 and unknown jobs with 1', async () => {
    assert.equal((await ctl('frobnicate')).code, 2);
    assert.equal((await ctl('job')).code, 2);
    assert.equal((await ctl('pause', 'nope')).code, 1);
  });

  it('still answers status after 1,000 malformed requests', async () => {
    const kinds = [
      () => exchange(daemon.socket, randomBytes(1 + Math.floor(Math.random() * 1024))),
      () => send(daemon.socket, 'POST', '/v1/jobs', `{"name": ${randomBytes(16).toString('hex')}`),
      () => send(daemon.socket, 'GET', `/v1/${randomBytes(6).toString('hex')}`),
      () => send(daemon.socket, 'DELETE', '/v1/status'),
      () => send(daemon.socket, 'POST', '/v1/jobs', 'x'.repeat(2 * 1024 * 1024)),
    ];
    for (let i = 0; i < 1000; i += 10) {
      await Promise.all(
        Array.from({ length: 10 }, (_, j) =>
          kinds[(i + j) % kinds.length]!().catch(() => undefined),
        ),
      );
    }
    const status = await json<{ ready: boolean; jobs: Job[] }>('status');
    assert.equal(status.ready, true);
    assert.equal(status.jobs.length, 2);
  });

  it('drains: the daemon exits 0 once the queues are empty, then ctl cannot reach it', async () => {
    assert.equal((await ctl('drain')).code, 0);
    assert.equal(await daemon.stop(), 0);
    assert.equal((await ctl('status')).code, 3);
  });

  it('never printed the iRODS password', () => {
    const everything = [...printed, ...daemon.logs.map((event) => JSON.stringify(event))].join(
      '\n',
    );
    assert.ok(everything.length > 1000, 'there is output to search');
    assert.equal(everything.includes(SECRET), false);
  });
});
