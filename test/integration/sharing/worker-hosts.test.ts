/**
 * Worker hosts (issue 19, "Jobs in Redis"): a scanning daemon (`role = "all"`, `workers = 0`) and
 * a worker-role daemon with no `[[job]]`, real processes on one shared Redis, against the
 * emulator. The worker learns the jobs from Redis alone; the checks are what an operator would
 * look at: every file in iRODS with its bytes, `workers` listing both daemons.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
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
  const worker = (prefix: string, workers = 4) =>
    daemon(prefix, { workers, jobs: [], daemon: { role: 'worker' } });

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
});
