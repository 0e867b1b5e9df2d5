/**
 * A private Redis Sentinel setup for one test file, on free ports of 127.0.0.1: a master, one
 * replica, and three `redis-server --sentinel` processes watching them (quorum 2), so that a
 * failover can be forced or provoked (kill the master) as in production. Everything lives in
 * one temporary directory, removed by stop().
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { startChild, type ServiceChild } from './child.js';
import { freePorts } from './free-ports.js';

const run = promisify(execFile);

export const SENTINEL_MASTER = 'ingest-master';

export interface TestRedisSentinel {
  /** `host:port` of every sentinel, as `redis.sentinels` takes them. */
  readonly sentinels: readonly string[];
  /** The name the sentinels monitor the master under (`redis.sentinel_master`). */
  readonly masterName: string;
  readonly dir: string;
  /** `host:port` of the master the sentinels name now. */
  master(): Promise<string>;
  /**
   * Kills the current master (SIGKILL, like a crash) and resolves once the sentinels name the
   * replica as the new master. The old master stays down.
   */
  killMaster(): Promise<string>;
  /** Stops every process and removes the directory. */
  stop(): Promise<void>;
}

export async function startRedisSentinel(): Promise<TestRedisSentinel> {
  const dir = await mkdtemp(join(tmpdir(), 'ingest-redis-sentinel-'));
  const [masterPort, replicaPort, ...sentinelPorts] = (await freePorts(5)) as [
    number,
    number,
    ...number[],
  ];
  const servers = new Map<number, ServiceChild>();
  const sentinels: ServiceChild[] = [];
  const stop = async () => {
    await Promise.all([...sentinels, ...servers.values()].map((child) => child.stop()));
    await rm(dir, { recursive: true, force: true });
  };
  const common = ['--bind', '127.0.0.1', '--save', '', '--logfile', ''];
  const startServer = async (port: number, extra: string[]) => {
    const serverDir = join(dir, String(port));
    await mkdir(serverDir);
    const args = ['--port', String(port), '--dir', serverDir, ...common, ...extra];
    // AOF as in production, so a promoted replica carries on where the master was.
    args.push('--appendonly', 'yes', '--maxmemory-policy', 'noeviction');
    const { child } = await startChild('redis-server', args, /ready to accept connections/i);
    servers.set(port, child);
  };
  try {
    await startServer(masterPort, []);
    await startServer(replicaPort, ['--replicaof', '127.0.0.1', String(masterPort)]);
    for (const port of sentinelPorts) {
      const file = join(dir, `sentinel-${port}.conf`);
      // Sentinel rewrites its config file as it learns the setup: it must be writable.
      await writeFile(
        file,
        [
          `port ${port}`,
          'bind 127.0.0.1',
          `dir ${dir}`,
          `sentinel monitor ${SENTINEL_MASTER} 127.0.0.1 ${masterPort} 2`,
          `sentinel down-after-milliseconds ${SENTINEL_MASTER} 1000`,
          `sentinel failover-timeout ${SENTINEL_MASTER} 10000`,
          '',
        ].join('\n'),
      );
      const { child } = await startChild(
        'redis-server',
        [file, '--sentinel', '--logfile', ''],
        /\+monitor master/,
      );
      sentinels.push(child);
    }
    await untilReplicaSynced(replicaPort);
  } catch (error) {
    await stop();
    throw error;
  }
  const sentinelNodes = sentinelPorts.map((port) => `127.0.0.1:${port}`);
  const master = async () => {
    const { stdout } = await run('redis-cli', [
      ...['-p', String(sentinelPorts[0]), 'SENTINEL', 'get-master-addr-by-name', SENTINEL_MASTER],
    ]);
    const [host, port] = stdout.trim().split('\n');
    return `${host}:${port}`;
  };
  return {
    sentinels: sentinelNodes,
    masterName: SENTINEL_MASTER,
    dir,
    master,
    async killMaster() {
      const before = await master();
      await servers.get(Number(before.split(':')[1]))!.kill();
      const deadline = Date.now() + 60_000;
      for (;;) {
        const now = await master();
        if (now !== before) return now;
        if (Date.now() > deadline) throw new Error(`no failover from ${before} within 60 s`);
        await sleep(200);
      }
    },
    stop,
  };
}

async function untilReplicaSynced(port: number): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const { stdout } = await run('redis-cli', ['-p', String(port), 'INFO', 'replication']);
    if (/master_link_status:up/.test(stdout)) return;
    if (Date.now() > deadline) throw new Error(`the replica on port ${port} did not sync`);
    await sleep(100);
  }
}
