/**
 * A real daemon on a Redis Cluster and on a Sentinel-managed master carries a job end to end:
 * every file lands in iRODS with its bytes, its state is read back on the next pass (nothing is
 * sent again), and on the Cluster every key of the daemon lies under the hash tag of its prefix.
 * Both topologies are started by the test helpers from Debian's redis-server.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Cluster } from 'ioredis';
import { RedisConnector, SCHEMA_VERSION } from '../../../src/state/index.js';
import { runCtl } from '../control/run-ctl.js';
import { startRedisCluster, type TestRedisCluster } from '../../helpers/redis-cluster.js';
import { startRedisSentinel, type TestRedisSentinel } from '../../helpers/redis-sentinel.js';
import { eventually } from '../../helpers/eventually.js';
import { bytesOf, objectFacts, useSyncFixture, writeTree } from '../sync/fixture.js';

const PREFIX = 'topo';

/** Files in several directories, and batches of two so that many go through the queue. */
function tree(): Record<string, Uint8Array> {
  const entries: Record<string, Uint8Array> = {};
  for (let i = 0; i < 12; i++) entries[`d${i % 3}/sub/f${i}.dat`] = bytesOf(100 + i * 37, i + 1);
  return entries;
}

async function assertLanded(fx: ReturnType<typeof useSyncFixture>, target: string) {
  for (const [rel, bytes] of Object.entries(tree())) {
    const facts = await objectFacts(fx.client, `${target}/${rel}`);
    assert.deepEqual(facts?.bytes, Buffer.from(bytes), rel);
  }
}

describe('a job on a Redis Cluster', () => {
  const fx = useSyncFixture();
  let cluster: TestRedisCluster;
  before(async () => {
    cluster = await startRedisCluster();
  });
  after(async () => {
    await cluster?.stop();
  });

  it('carries every file, keeps every key in its prefix hash slot, and reads its state back', async () => {
    const source = await fx.tempDir('cluster-');
    await writeTree(source, tree());
    const target = '/tempZone/home/rods/cluster';
    const daemon = await fx.daemon({
      redis: { cluster_nodes: cluster.nodes },
      keyPrefix: PREFIX,
      jobs: [{ name: 'c', source, target, operation: 'put_sync', files_per_task: 2 }],
    });
    const first = await daemon.passDone(1, 'c');
    assert.deepEqual([first.new, first.failed], [18, 0], 'three d*/, three sub/, twelve files');
    await assertLanded(fx, target);

    const client = new RedisConnector({
      url: '',
      key_prefix: PREFIX,
      cluster_nodes: cluster.nodes,
    }).client() as Cluster;
    try {
      await client.connect();
      const keys: string[] = [];
      for (const node of client.nodes('master')) keys.push(...(await node.keys('*')));
      assert.ok(keys.length > 5, `the daemon's keys: ${keys.join(', ')}`);
      for (const key of keys) assert.ok(key.startsWith(`{${PREFIX}}:`), key);
      assert.equal(await client.get(`{${PREFIX}}:~schema`), String(SCHEMA_VERSION));
    } finally {
      client.disconnect();
    }

    const status = await runCtl(['--socket', daemon.socket, '--json', 'status']);
    assert.deepEqual(
      (JSON.parse(status.stdout) as { redis: unknown }).redis,
      { connected: true, embedded: false },
      'no embedded redis-server beside the Cluster',
    );
    assert.equal((await runCtl(['--socket', daemon.socket, 'rescan', 'c'])).code, 0);
    const second = await daemon.passDone(2, 'c');
    assert.deepEqual([second.new, second.updated, second.failed], [0, 0, 0]);
    assert.equal(await daemon.stop(), 0);
  });

  it('refuses state written in the single-server layout, naming both prefixes', async () => {
    const client = new RedisConnector({
      url: '',
      key_prefix: 'moved',
      cluster_nodes: cluster.nodes,
    }).client() as Cluster;
    try {
      await client.connect();
      await client.set('moved:~schema', '1');
      await client.hset('moved:j:pass', 'number', '3');
    } finally {
      client.disconnect();
    }
    const source = await fx.tempDir('cluster-moved-');
    const daemon = await fx.daemon({
      redis: { cluster_nodes: cluster.nodes },
      keyPrefix: 'moved',
      jobs: [{ name: 'j', source, target: '/tempZone/home/rods/moved' }],
    });
    assert.equal(await daemon.exit(), 1);
    const refusal = daemon.logs.find((event) => /another Redis topology/.test(event.message));
    assert.ok(refusal, daemon.logs.map((event) => event.message).join('\n'));
    assert.match(refusal.message, /"moved:".*"\{moved\}:"/);
  });
});

describe('a job on a Sentinel-managed Redis', () => {
  const fx = useSyncFixture();
  let sentinel: TestRedisSentinel;
  before(async () => {
    sentinel = await startRedisSentinel();
  });
  after(async () => {
    await sentinel?.stop();
  });

  it('carries every file and reads its state back', async () => {
    const source = await fx.tempDir('sentinel-');
    await writeTree(source, tree());
    const target = '/tempZone/home/rods/sentinel';
    const daemon = await fx.daemon({
      redis: { sentinels: sentinel.sentinels, sentinel_master: sentinel.masterName },
      keyPrefix: PREFIX,
      jobs: [{ name: 's', source, target, operation: 'put_sync', files_per_task: 2 }],
    });
    const first = await daemon.passDone(1, 's');
    assert.deepEqual([first.new, first.failed], [18, 0]);
    await assertLanded(fx, target);
    assert.equal((await runCtl(['--socket', daemon.socket, 'rescan', 's'])).code, 0);
    const second = await daemon.passDone(2, 's');
    assert.deepEqual([second.new, second.updated, second.failed], [0, 0, 0]);
    assert.equal(await daemon.stop(), 0);
  });

  it('loses no file when the master dies mid-pass and a replica is promoted', async () => {
    const source = await fx.tempDir('failover-');
    const files: Record<string, Uint8Array> = {};
    for (let i = 0; i < 60; i++) files[`f/${i}.dat`] = bytesOf(200 + i, 100 + i);
    await writeTree(source, files);
    const target = '/tempZone/home/rods/failover';
    await fx.emulator.setFaults({ latencyMs: 40 });
    const daemon = await fx.daemon({
      redis: { sentinels: sentinel.sentinels, sentinel_master: sentinel.masterName },
      keyPrefix: 'failover',
      jobs: [{ name: 'f', source, target, operation: 'put_sync', files_per_task: 1 }],
    });
    const writesBefore = (await fx.emulator.stats()).data_writes ?? 0;
    await eventually(
      'five files written',
      async () => ((await fx.emulator.stats()).data_writes ?? 0) - writesBefore >= 5,
    );
    const before = await sentinel.master();
    const writtenAtKill = ((await fx.emulator.stats()).data_writes ?? 0) - writesBefore;
    const after = await sentinel.killMaster();
    assert.notEqual(after, before);
    assert.ok(writtenAtKill < 60, `the pass was still running (${writtenAtKill} of 60 written)`);
    await fx.emulator.clearFaults();

    const pass = await daemon.passDone(1, 'f', 180_000);
    assert.equal(pass.failed, 0);
    for (const [rel, bytes] of Object.entries(files)) {
      const facts = await objectFacts(fx.client, `${target}/${rel}`);
      assert.deepEqual(facts?.bytes, Buffer.from(bytes), rel);
    }
    assert.equal(await daemon.stop(), 0);
  });
});
