import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import {
  startEmbeddedRedis,
  type EmbeddedRedis,
  type EmbeddedRedisError,
} from '../../src/embedded-redis.js';
import { isRunning } from '../helpers/processes.js';
import { within } from '../helpers/within.js';

/** What a server reported through its callbacks. */
function listener() {
  const restarts: string[] = [];
  let resolveLost: (error: EmbeddedRedisError) => void = () => undefined;
  const lost = new Promise<EmbeddedRedisError>((resolve) => (resolveLost = resolve));
  let resolveRestart: () => void = () => undefined;
  let restarted = new Promise<void>((resolve) => (resolveRestart = resolve));
  return {
    restarts,
    lost,
    /** Resolves at the next restart. */
    nextRestart: () => restarted,
    options: {
      onRestart: (message: string) => {
        restarts.push(message);
        resolveRestart();
        restarted = new Promise<void>((resolve) => (resolveRestart = resolve));
      },
      onLost: (error: EmbeddedRedisError) => resolveLost(error),
    },
  };
}

async function connected(server: EmbeddedRedis): Promise<Redis> {
  const redis = new Redis({
    path: server.socketPath,
    lazyConnect: true,
    maxRetriesPerRequest: null,
  });
  redis.on('error', () => undefined);
  await redis.connect();
  return redis;
}

/** The process group and session of `pid` (fields 5 and 6 of /proc/PID/stat). */
async function groupAndSession(pid: number): Promise<[number, number]> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return [Number(fields[2]), Number(fields[3])];
}

describe('the embedded redis-server', () => {
  let stateDir: string;
  before(async () => {
    stateDir = await mkdtemp(join(tmpdir(), 'ingest-embedded-'));
  });
  after(() => rm(stateDir, { recursive: true, force: true }));

  it('serves on a private unix socket with AOF under the state directory', async () => {
    const server = await startEmbeddedRedis({ stateDir });
    const redis = new Redis({ path: server.socketPath, lazyConnect: true });
    try {
      await redis.connect();
      assert.equal(await redis.ping(), 'PONG');
      assert.equal(await redis.config('GET', 'appendonly').then((r) => r[1]), 'yes');
      assert.equal((await stat(server.socketPath)).mode & 0o777, 0o700);
      await redis.set('kept', 'yes');
    } finally {
      redis.disconnect();
      await server.stop();
    }
  });

  it('runs in a process group and session of its own, out of reach of our group signals', async () => {
    const server = await startEmbeddedRedis({ stateDir });
    try {
      const [group, session] = await groupAndSession(server.pid);
      assert.equal(group, server.pid);
      assert.equal(session, server.pid);
      assert.notEqual(group, (await groupAndSession(process.pid))[0]);
    } finally {
      await server.stop();
    }
  });

  it('stops a server left behind by a killed daemon and keeps its data', async () => {
    // A leftover's daemon is gone: the server was adopted by init, as a self-daemonized one is.
    const dir = join(stateDir, 'redis');
    const socketPath = join(dir, 'redis.sock');
    const pidFile = join(dir, 'redis.pid');
    execFileSync('redis-server', [
      ...['--port', '0', '--unixsocket', socketPath, '--dir', dir, '--pidfile', pidFile],
      ...['--appendonly', 'yes', '--save', '', '--daemonize', 'yes'],
    ]);
    // Its pid file comes from the daemonized process, a moment after the command returned.
    let leftover = 0;
    for (let i = 0; i < 100 && !(leftover > 0); i++) {
      leftover = Number((await readFile(pidFile, 'utf8').catch(() => '')).trim());
      if (!(leftover > 0)) await sleep(100);
    }
    assert.equal(await isRunning(leftover), true);
    const server = await startEmbeddedRedis({ stateDir });
    const redis = new Redis({ path: server.socketPath, lazyConnect: true });
    try {
      await redis.connect();
      assert.equal(await redis.get('kept'), 'yes');
      assert.equal(await isRunning(leftover), false);
    } finally {
      redis.disconnect();
      await server.stop();
    }
  });

  it('refuses a state directory whose server belongs to another running daemon', async () => {
    const running = await startEmbeddedRedis({ stateDir });
    try {
      await assert.rejects(startEmbeddedRedis({ stateDir }), {
        code: 'EMBEDDED_REDIS',
        message: new RegExp(
          `redis-server \\(pid ${running.pid}, .*\\) belongs to the running process ${process.pid}: is another irods-ingestd running with this daemon.state_dir\\?`,
        ),
      });
      assert.equal(await isRunning(running.pid), true);
    } finally {
      await running.stop();
    }
  });

  it('is started again on its data when it dies, and says so', async () => {
    const events = listener();
    const server = await startEmbeddedRedis({ stateDir, ...events.options });
    const redis = await connected(server);
    try {
      const first = server.pid;
      process.kill(first, 'SIGKILL');
      await within(events.nextRestart(), 30_000, 'no restart');
      assert.notEqual(server.pid, first);
      assert.match(events.restarts[0]!, /ended \(signal SIGKILL\).*started again on its data/);
      // The same connection (it reconnects to the same socket) finds the same data.
      assert.equal(await redis.get('kept'), 'yes');
    } finally {
      redis.disconnect();
      await server.stop();
    }
    assert.equal(await isRunning(server.pid), false);
  });

  it('is lost, not restarted again, when it dies again soon after a restart', async () => {
    const events = listener();
    const server = await startEmbeddedRedis({ stateDir, ...events.options });
    try {
      process.kill(server.pid, 'SIGKILL');
      await within(events.nextRestart(), 30_000, 'no restart');
      const second = server.pid;
      process.kill(second, 'SIGKILL');
      const error = await within(events.lost, 30_000, 'not reported lost');
      assert.equal(error.code, 'EMBEDDED_REDIS');
      assert.match(error.message, /ended \(signal SIGKILL\) again \d+ s after it was restarted/);
      assert.equal(events.restarts.length, 1);
      assert.equal(server.pid, second);
    } finally {
      await server.stop();
    }
  });

  it('is lost when its data cannot be read at the restart, with the reason', async () => {
    const events = listener();
    const server = await startEmbeddedRedis({ stateDir, ...events.options });
    try {
      await writeFile(
        join(stateDir, 'redis', 'appendonlydir', 'appendonly.aof.manifest'),
        'not a manifest\n',
      );
      process.kill(server.pid, 'SIGKILL');
      const error = await within(events.lost, 30_000, 'not reported lost');
      assert.match(error.message, /could not be started again: .*before it was ready/s);
      assert.match(error.message, /manifest/i, 'the server says what is wrong with its data');
      assert.deepEqual(events.restarts, []);
    } finally {
      await server.stop();
      await rm(join(stateDir, 'redis'), { recursive: true, force: true });
    }
  });

  it('stops a start still under way when asked to, leaving no server behind', async () => {
    const stop = new AbortController();
    stop.abort();
    await assert.rejects(startEmbeddedRedis({ stateDir, signal: stop.signal }), {
      code: 'EMBEDDED_REDIS',
    });
  });
});
