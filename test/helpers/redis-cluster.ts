/**
 * A private 3-master Redis Cluster for one test file: Debian's `redis-server` in cluster mode on
 * free ports of 127.0.0.1, joined by `redis-cli --cluster create`, each node in its own
 * directory under one temporary directory (removed by stop()). No replicas: the tests need the
 * slots spread over several masters, not failover.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { startChild, type ServiceChild } from './child.js';
import { freePorts } from './free-ports.js';

const run = promisify(execFile);

export interface TestRedisCluster {
  /** `host:port` of every master, as `redis.cluster_nodes` takes them. */
  readonly nodes: readonly string[];
  readonly dir: string;
  /** Stops every node and removes the directory. */
  stop(): Promise<void>;
}

export async function startRedisCluster({
  masters = 3,
  password,
}: { masters?: number; password?: string } = {}): Promise<TestRedisCluster> {
  const dir = await mkdtemp(join(tmpdir(), 'ingest-redis-cluster-'));
  // A client port and a cluster-bus port per node.
  const ports = await freePorts(masters * 2);
  const children: ServiceChild[] = [];
  const nodes: string[] = [];
  const stop = async () => {
    await Promise.all(children.map((child) => child.stop()));
    await rm(dir, { recursive: true, force: true });
  };
  try {
    for (let i = 0; i < masters; i++) {
      const port = ports[2 * i]!;
      const nodeDir = join(dir, String(port));
      await mkdir(nodeDir);
      const { child } = await startChild(
        'redis-server',
        [
          ...['--port', String(port), '--bind', '127.0.0.1', '--dir', nodeDir],
          ...['--cluster-enabled', 'yes', '--cluster-port', String(ports[2 * i + 1])],
          ...['--cluster-config-file', join(nodeDir, 'nodes.conf')],
          ...['--cluster-node-timeout', '3000', '--save', '', '--appendonly', 'no'],
          ...['--maxmemory-policy', 'noeviction', '--logfile', ''],
          ...(password === undefined ? [] : ['--requirepass', password]),
        ],
        /ready to accept connections/i,
      );
      children.push(child);
      nodes.push(`127.0.0.1:${port}`);
    }
    const auth = password === undefined ? [] : ['-a', password, '--no-auth-warning'];
    await run('redis-cli', [
      ...auth,
      '--cluster',
      'create',
      ...nodes,
      '--cluster-replicas',
      '0',
      '--cluster-yes',
    ]);
    await untilClusterOk(nodes, auth);
  } catch (error) {
    await stop();
    throw error;
  }
  return { nodes, dir, stop };
}

/** Waits until every node says the cluster is ok (all slots served, the nodes agree). */
async function untilClusterOk(nodes: readonly string[], auth: string[]): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const states = await Promise.all(
      nodes.map(async (node) => {
        const [host, port] = node.split(':') as [string, string];
        const { stdout } = await run('redis-cli', [
          ...auth,
          '-h',
          host,
          '-p',
          port,
          'CLUSTER',
          'INFO',
        ]);
        return /cluster_state:ok/.test(stdout);
      }),
    );
    if (states.every(Boolean)) return;
    if (Date.now() > deadline) throw new Error(`the Redis Cluster ${nodes.join(', ')} is not ok`);
    await sleep(100);
  }
}
