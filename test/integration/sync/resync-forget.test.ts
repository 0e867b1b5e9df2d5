/**
 * `irods-ingestctl resync` repairs a job whose recorded state went wrong without sending what
 * iRODS holds already; `irods-ingestctl forget` removes every Redis key a removed job left, and
 * refuses a job that is configured.
 */
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Redis } from 'ioredis';
import type { DaemonStatus } from '../../../src/control/wire.js';
import { jobKeys } from '../../../src/state/index.js';
import { DaemonRegistry } from '../../../src/state/daemon-registry.js';
import { JobDefinitions } from '../../../src/state/job-definitions.js';
import { queueName } from '../../../src/queue/queue.js';
import { eventually } from '../../helpers/eventually.js';
import { runCtl } from '../control/run-ctl.js';
import { bytesOf, objectFacts, useSyncFixture, writeTree } from './fixture.js';

const PREFIX = 'ingest-test';
const MTIME = 1_700_000_000;

function tree(): Record<string, Uint8Array> {
  const entries: Record<string, Uint8Array> = {};
  for (let i = 0; i < 6; i++) entries[`d/f${i}.dat`] = bytesOf(50 + i * 10, i + 1);
  return entries;
}

async function leftoverJobs(socket: string): Promise<string[]> {
  const status = await runCtl(['--socket', socket, '--json', 'status']);
  assert.equal(status.code, 0, status.stderr);
  return (JSON.parse(status.stdout) as DaemonStatus).leftoverJobs;
}

describe('resync and forget', () => {
  const fx = useSyncFixture();

  it('resync repairs wrong recorded state without sending the files iRODS holds', async () => {
    const source = await fx.tempDir('resync-');
    await writeTree(source, tree(), MTIME);
    const target = '/tempZone/home/rods/resync';
    const daemon = await fx.daemon({
      jobs: [{ name: 'fix', source, target, operation: 'put_sync' }],
    });
    assert.equal((await daemon.passDone(1, 'fix')).new, 7, 'd/ and its six files');

    // Wrong state: every file of d/ recorded with the facts of another, so a plain pass would
    // send them all; and one object in iRODS replaced behind the job's back.
    const redis = new Redis({ path: daemon.embeddedRedisSocket });
    try {
      for (const key of await redis.keys(`${PREFIX}:fix:d:*`)) {
        const fields = await redis.hgetall(key);
        const names = Object.keys(fields).filter((name) => name.endsWith('.dat'));
        if (names.length < 2) continue;
        const rotated = names.flatMap((name, i) => [name, fields[names[(i + 1) % names.length]!]!]);
        await redis.hset(key, ...rotated);
      }
    } finally {
      redis.disconnect();
    }
    const other = await fx.tempDir('resync-other-');
    await writeTree(other, { 'x.dat': 'not the file' });
    await fx.client.upload(join(other, 'x.dat'), `${target}/d/f3.dat`);

    const writes = (await fx.emulator.stats()).data_writes!;
    const resync = await runCtl(['--socket', daemon.socket, 'resync', 'fix']);
    assert.equal(resync.code, 0, resync.stderr);
    assert.match(resync.stdout, /resync of job fix requested/);
    const summary = await daemon.passDone(2, 'fix');
    // New: d/ (its state went too) and f3, sent.
    assert.deepEqual([summary.adopted, summary.new, summary.failed], [5, 2, 0]);
    assert.equal((await fx.emulator.stats()).data_writes! - writes, 1, 'only f3 is sent');
    const repaired = await objectFacts(fx.client, `${target}/d/f3.dat`);
    assert.deepEqual(repaired?.bytes, Buffer.from(tree()['d/f3.dat']!));

    assert.equal((await runCtl(['--socket', daemon.socket, 'rescan', 'fix'])).code, 0);
    const after = await daemon.passDone(3, 'fix');
    assert.deepEqual([after.adopted, after.new, after.updated], [0, 0, 0], 'the state is right');
  });

  it('forget deletes every key of a removed job and refuses a configured one', async () => {
    const keepSource = await fx.tempDir('forget-keep-');
    const goneSource = await fx.tempDir('forget-gone-');
    await writeTree(keepSource, { 'k.txt': 'k' });
    await writeTree(goneSource, { 'g/1.txt': '1', 'g/2.txt': '2' });
    const daemon = await fx.daemon({
      jobs: [
        { name: 'keep', source: keepSource, target: '/tempZone/home/rods/forget-keep' },
        { name: 'gone', source: goneSource, target: '/tempZone/home/rods/forget-gone' },
      ],
    });
    await daemon.passDone(1, 'keep');
    await daemon.passDone(1, 'gone');

    const refused = await runCtl(['--socket', daemon.socket, 'forget', 'gone']);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /job "gone" is configured/);

    const config = await readFile(daemon.configFile, 'utf8');
    const blocks = config.split('[[job]]');
    await writeFile(
      daemon.configFile,
      blocks.filter((block) => !block.includes('name = "gone"')).join('[[job]]'),
    );
    const reload = await runCtl(['--socket', daemon.socket, 'reload']);
    assert.equal(reload.code, 0, reload.stderr);

    // status lists the removed job as one that left state, with the command that removes it,
    // once the daemon's heartbeat no longer lists it among the jobs it works (every 5 s).
    await eventually('the removed job listed as leftover', async () =>
      (await leftoverJobs(daemon.socket)).join() === 'gone' ? true : undefined,
    );
    const human = await runCtl(['--socket', daemon.socket, 'status']);
    assert.match(
      human.stdout,
      /^job gone is not configured but has state in Redis \(irods-ingestctl forget gone removes it\)$/m,
    );
    assert.doesNotMatch(human.stdout, /job keep is not configured/);

    const redis = new Redis({ path: daemon.embeddedRedisSocket });
    try {
      const names = (job: string) => ({ name: job, queue: queueName(job) });
      const before = await jobKeys(redis, PREFIX, names('gone'));
      assert.ok(before.length > 0, 'the removed job left keys');
      const kept = (await jobKeys(redis, PREFIX, names('keep'))).sort();

      // A worker host still working the job's queue, its scanning daemon away (a restart): the
      // state is in use, so it is no leftover and forget refuses.
      const hosts = new DaemonRegistry<{ jobs: string[] }>(redis, PREFIX);
      await hosts.beat('w1:1:x', { jobs: ['gone'] });
      assert.deepEqual(await leftoverJobs(daemon.socket), []);
      const busy = await runCtl(['--socket', daemon.socket, 'forget', 'gone']);
      assert.equal(busy.code, 1);
      assert.match(busy.stderr, /a worker host working its queue/);
      await hosts.remove('w1:1:x');
      // Its definition kept by a daemon that is away: no leftover to offer to forget either.
      const definitions = new JobDefinitions(redis, PREFIX);
      await definitions.put('gone', 'stored by a daemon that is restarting');
      assert.deepEqual(await leftoverJobs(daemon.socket), []);
      await definitions.drop('gone');

      const forget = await runCtl(['--socket', daemon.socket, 'forget', 'gone']);
      assert.equal(forget.code, 0, forget.stderr);
      assert.match(forget.stdout, /forgot job gone: \d+ Redis keys? deleted/);
      assert.deepEqual(await jobKeys(redis, PREFIX, names('gone')), []);
      assert.equal(await redis.hexists(`${PREFIX}:~targets`, 'gone'), 0);
      assert.deepEqual((await jobKeys(redis, PREFIX, names('keep'))).sort(), kept);
      assert.deepEqual(await leftoverJobs(daemon.socket), []);
    } finally {
      redis.disconnect();
    }
    const objects = await objectFacts(fx.client, '/tempZone/home/rods/forget-gone/g/1.txt');
    assert.equal(objects?.bytes?.toString(), '1', 'iRODS is not touched');
  });
});
