/**
 * Worker hosts (issue 19, "Jobs in Redis"): a scanning daemon (`role = "all"`, `workers = 0`) and
 * a worker-role daemon with no `[[job]]`, real processes on one shared Redis, against the
 * emulator. The worker learns the jobs from Redis alone; the checks are what an operator would
 * look at: every file in iRODS with its bytes, `workers` listing both daemons.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, symlink, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ControlClient } from '../../../src/ctl/client.js';
import { startEmulator, type TestEmulator } from '../../helpers/emulator.js';
import { eventually } from '../../helpers/eventually.js';
import { startIngestd, type Ingestd, type IngestdSpec } from '../../helpers/ingestd.js';
import { startRedis, type TestRedis } from '../../helpers/redis.js';
import { assertObjects, isRunning, landed, writeFiles } from './objects.js';

const HOME = '/tempZone/home/rods';

describe('a scanning daemon without workers and a worker host without jobs', () => {
  let emulator: TestEmulator;
  let redis: TestRedis;
  let root: string;
  const daemons: Ingestd[] = [];
  before(async () => {
    emulator = await startEmulator();
    redis = await startRedis();
    root = await mkdtemp(join(tmpdir(), 'ingest-workers-'));
  });
  after(async () => {
    for (const daemon of daemons) {
      await daemon.kill();
      await daemon.cleanUp();
    }
    await emulator.stop();
    await redis.stop();
    await rm(root, { recursive: true, force: true });
  });

  /** A daemon on the shared Redis under `prefix`, stopped at the end of the file. */
  async function daemon(
    prefix: string,
    spec: Omit<IngestdSpec, 'emulator' | 'redisUrl' | 'keyPrefix'>,
  ): Promise<Ingestd> {
    const started = await startIngestd({
      emulator,
      redisUrl: redis.url,
      keyPrefix: prefix,
      ...spec,
    });
    daemons.push(started);
    await started.waitFor(isRunning);
    return started;
  }
  const scanner = (prefix: string, spec: Partial<IngestdSpec> = {}) =>
    daemon(prefix, { workers: 0, jobs: [], ...spec });
  const worker = (prefix: string, workers = 4, jobs: IngestdSpec['jobs'] = []) =>
    daemon(prefix, { workers, jobs, daemon: { role: 'worker' } });

  it('lands every file through the worker host, and `workers` lists both daemons', async () => {
    const source = join(root, 'shared');
    const expected = await writeFiles(source, 300);
    const target = `${HOME}/shared`;
    const scan = await scanner('shared', {
      jobs: [{ name: 'shared', source, target, operation: 'put_sync', files_per_task: 10 }],
    });
    const work = await worker('shared');

    await scan.passDone(1, 'shared', 120_000);
    await assertObjects(emulator, target, expected);

    const { value } = await new ControlClient(work.socket).workers();
    const listed = value.workers.map(({ role, pid, workers, jobs }) => ({
      role,
      pid,
      workers,
      jobs,
    }));
    assert.deepEqual(
      listed.sort((a, b) => a.role.localeCompare(b.role)),
      [
        { role: 'all', pid: scan.pid, workers: 0, jobs: ['shared'] },
        { role: 'worker', pid: work.pid, workers: 4, jobs: ['shared'] },
      ],
    );
    const status = await new ControlClient(work.socket).status();
    assert.deepEqual(
      status.value.jobs.map((job) => job.name),
      ['shared'],
    );
  });

  it('keeps an ad-hoc job through a reload and a restart, worked by the worker host', async () => {
    const source = join(root, 'adhoc');
    const expected = await writeFiles(source, 40);
    const target = `${HOME}/adhoc`;
    const scan = await scanner('adhoc', {
      daemon: { adhoc_sources: [root], adhoc_targets: [HOME] },
    });
    const work = await worker('adhoc');
    const ctl = () => new ControlClient(scan.socket);
    const spec = { name: 'later', source, target, operation: 'put_sync', rescan_interval: '0' };
    await ctl().startJob(spec);
    await assertObjects(emulator, target, expected);

    const reload = await ctl().reload();
    assert.equal(reload.value.applied, true, reload.text);
    assert.deepEqual(reload.value.removed, []);
    assert.equal((await ctl().job('later')).value.name, 'later');

    assert.equal(await scan.stop(), 0);
    await scan.restart();
    await scan.waitFor((event) => isRunning(event) && event !== scan.logs.find(isRunning));
    assert.equal((await ctl().job('later')).value.source, source);
    // Proof that the restarted job runs and that the worker host works it: a new file, a rescan.
    const more = new Map(
      [...(await writeFiles(join(source, 'more'), 5))].map(([name, bytes]) => [
        `more/${name}`,
        bytes,
      ]),
    );
    await ctl().action('later', 'rescan');
    await assertObjects(emulator, target, new Map([...expected, ...more]));
    assert.equal(await landed(emulator, target), expected.size + more.size);
    // Its heartbeat (every 5 s) may still carry the list from before the scanner came back.
    await eventually('the worker host lists the job', async () => {
      const { value } = await ctl().workers();
      const workerHost = value.workers.find((listed) => listed.pid === work.pid);
      return workerHost?.jobs.join() === 'later' ? true : undefined;
    });

    // Until stop: then the definition goes, and the worker host stops working the job.
    await ctl().action('later', 'stop');
    await eventually('the worker host to drop the job', async () => {
      const { value: now } = await new ControlClient(work.socket).status();
      return now.jobs.length === 0;
    });
  });

  it('loses nothing when the worker host is killed with -9 mid-run', async () => {
    const source = join(root, 'killed');
    const expected = await writeFiles(source, 1_500);
    const target = `${HOME}/killed`;
    const scan = await scanner('killed', {
      jobs: [{ name: 'killed', source, target, operation: 'put_sync', files_per_task: 5 }],
    });
    const work = await worker('killed', 2);
    // Killed while `workers` shows it running batches, after some files landed.
    await eventually('batches in flight on the worker host', async () => {
      const { value } = await new ControlClient(work.socket).workers();
      const me = value.workers.find((listed) => listed.pid === work.pid);
      return me !== undefined && me.batchesInFlight > 0 && (await landed(emulator, target)) >= 100;
    });
    await work.kill();
    const before = await landed(emulator, target);
    assert.ok(before < expected.size, 'the work was done before the kill: the tree is too small');

    await work.restart();
    const summary = await scan.passDone(1, 'killed', 240_000);
    await assertObjects(emulator, target, expected);
    assert.equal(summary.failed, 0, summary.message);
    const failures = await new ControlClient(scan.socket).failures('killed', { limit: 10 });
    assert.deepEqual(failures.value.failures, []);
  });

  // One host cannot unmount a file system for one daemon only: the worker host's own `[[job]]` of
  // the same name (which wins over the shared definition) puts its source on an empty directory,
  // which is what a mount point is where the file system is not mounted: another inode.
  it('leaves nothing silently undone when the source is not mounted on the worker host', async () => {
    const source = join(root, 'mounted');
    await writeFiles(source, 30);
    const mountPoint = join(root, 'not-mounted');
    await mkdir(mountPoint);
    const target = `${HOME}/mounted`;
    const job = { name: 'mounted', source, target, operation: 'register', files_per_task: 10 };
    const scan = await scanner('mounted', { jobs: [job] });
    await worker('mounted', 2, [
      { ...job, source: mountPoint, max_attempts: 2, retry_delay: '100ms' },
    ]);

    const summary = await scan.passDone(1, 'mounted', 120_000);
    assert.equal(summary.failed, 30, summary.message);
    const { value } = await new ControlClient(scan.socket).failures('mounted', { limit: 100 });
    assert.equal(value.failures.length, 30);
    for (const failure of value.failures) {
      assert.match(
        failure.message,
        /^register of \S+ on host \S+: the file is not there and the source root \S+\/not-mounted on this host is another directory than the one the job's scanning daemon recorded \(inode \d+, here \d+\): is the file system mounted here\? .*; it will be tried again$/,
      );
    }
    assert.equal(await landed(emulator, target), 0);
  });

  it('does not work a job whose source_marker is missing on the worker host', async () => {
    const source = join(root, 'marked');
    await writeFiles(source, 20);
    await writeFile(join(source, '.irods-ingest'), '');
    const mountPoint = join(root, 'marked-not-mounted');
    await mkdir(mountPoint);
    const target = `${HOME}/marked`;
    const job = {
      name: 'marked',
      source,
      target,
      operation: 'register',
      files_per_task: 10,
      source_marker: '.irods-ingest',
    };
    const scan = await scanner('marked', { jobs: [job] });
    const work = await worker('marked', 2, [{ ...job, source: mountPoint }]);

    const { value } = await new ControlClient(scan.socket).workers();
    const workerHost = value.workers.find((listed) => listed.pid === work.pid);
    assert.deepEqual(workerHost?.jobs, []);
    assert.deepEqual(
      workerHost?.unusable.map(({ name, reason }) => ({ name, reason })),
      [
        {
          name: 'marked',
          reason: `its source marker ${mountPoint}/.irods-ingest is not there on this host (ENOENT): is the file system mounted?`,
        },
      ],
    );
    // Its batches wait for a daemon that can work them.
    await eventually('the pass to queue its batches', async () => {
      const { value: status } = await new ControlClient(scan.socket).status();
      const [marked] = status.jobs;
      return marked?.progress?.scanComplete === true && marked.queued === 2 ? true : undefined;
    });
    assert.equal(await landed(emulator, target), 0);
  });

  it('carries out deletes on a worker host that reaches the source under another path', async () => {
    const source = join(root, 'elsewhere');
    const expected = await writeFiles(source, 10);
    const link = join(root, 'elsewhere-link');
    await symlink(source, link);
    const target = `${HOME}/elsewhere`;
    const job = {
      name: 'elsewhere',
      source,
      target,
      operation: 'register',
      delete: 'unregister',
      rescan_interval: '0',
    };
    const scan = await scanner('elsewhere', { jobs: [job] });
    await worker('elsewhere', 2, [{ ...job, source: link }]);
    await scan.passDone(1, 'elsewhere', 60_000);
    await assertObjects(emulator, target, expected);

    await unlink(join(source, 'f3.dat'));
    await new ControlClient(scan.socket).action('elsewhere', 'rescan');
    const summary = await scan.passDone(2, 'elsewhere', 60_000);
    assert.equal(summary.deleted, 1, summary.message);
    expected.delete('f3.dat');
    await assertObjects(emulator, target, expected);
    assert.equal(await landed(emulator, target), 9);
  });
});
