/**
 * Signals during start-up, and a daemon that dies without a word: the handlers are in place from
 * the first instant, a stop reaches a start that is still under way and undoes it, and nothing
 * the daemon started outlives it.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { startEmulator, type TestEmulator } from '../../helpers/emulator.js';
import { eventually } from '../../helpers/eventually.js';
import { startIngestd, type Ingestd, type LogEvent } from '../../helpers/ingestd.js';
import { redisServersServing } from '../../helpers/processes.js';
import { startRedis, type TestRedis } from '../../helpers/redis.js';
import { within } from '../../helpers/within.js';

const TARGET = '/tempZone/home/rods/start-up';
const isRunning = (event: LogEvent) => event.message.startsWith('irods-ingestd running');
/** The embedded Redis has started and is loading its data (not ready yet). */
const isLoading = (event: LogEvent) => /^redis-server: .*Server initialized/.test(event.message);

/**
 * An AOF whose loading takes until `untilSeconds` (epoch): a script that spins on TIME, replayed
 * at every start of the server until then. Redis reads an old-style single AOF file and moves it
 * into its AOF directory.
 */
async function slowToLoad(stateDir: string, untilSeconds: number): Promise<void> {
  const script = `while tonumber(redis.call('TIME')[1]) < ${untilSeconds} do end return 1`;
  const bulk = (text: string) => `$${Buffer.byteLength(text)}\r\n${text}\r\n`;
  await mkdir(join(stateDir, 'redis'), { recursive: true, mode: 0o700 });
  await writeFile(
    join(stateDir, 'redis', 'appendonly.aof'),
    `*3\r\n${bulk('EVAL')}${bulk(script)}${bulk('0')}`,
  );
}

/** The logs after `since` (an index into the daemon's log). */
const logsSince = (daemon: Ingestd, since: number) => daemon.logs.slice(since);

describe('signals during start-up', () => {
  let emulator: TestEmulator;
  let source: string;
  const daemons: Ingestd[] = [];
  const redises: TestRedis[] = [];
  before(async () => {
    emulator = await startEmulator();
    source = await mkdtemp(join(tmpdir(), 'ingest-start-up-'));
    await writeFile(join(source, 'a.txt'), 'a');
  });
  after(async () => {
    for (const daemon of daemons) {
      await daemon.kill();
      await daemon.cleanUp();
    }
    for (const redis of redises) await redis.stop();
    await emulator.stop();
    await rm(source, { recursive: true, force: true });
  });

  async function daemon(spec: { redisUrl?: string; prepare?: (dir: string) => Promise<void> }) {
    const started = await startIngestd({
      emulator,
      jobs: [{ source, target: TARGET, rescan_interval: '1h' }],
      ...spec,
    });
    daemons.push(started);
    return started;
  }

  it('SIGTERM while the embedded Redis loads: exit 0 within 10 s, nothing left', async () => {
    const untilSeconds = Math.floor(Date.now() / 1000) + 20;
    const ingestd = await daemon({ prepare: (dir) => slowToLoad(dir, untilSeconds) });
    await ingestd.waitFor(isLoading);
    assert.equal(ingestd.logs.some(isRunning), false, 'the daemon started before the signal');
    process.kill(ingestd.pid!, 'SIGTERM');
    const code = await within(ingestd.exit(), 10_000, 'the daemon did not exit');
    assert.equal(code, 0);
    assert.deepEqual(await redisServersServing(ingestd.embeddedRedisSocket), []);
    assert.equal(existsSync(ingestd.socket), false, 'no control socket was left behind');
    assert.ok(ingestd.logs.some((e) => e.message.includes('stopped during start-up')));

    // The next start on the same state comes up; a SIGHUP while it loads does not end it, and
    // the reload it asks for is carried out once the daemon runs its jobs.
    const since = ingestd.logs.length;
    await ingestd.restart();
    await ingestd.waitFor((e) => isLoading(e) && ingestd.logs.indexOf(e) >= since);
    process.kill(ingestd.pid!, 'SIGHUP');
    await ingestd.waitFor((e) => isRunning(e) && ingestd.logs.indexOf(e) >= since, 60_000);
    const reload = await ingestd.waitFor(
      (e) => e.message.startsWith('reload applied') && ingestd.logs.indexOf(e) >= since,
    );
    assert.match(reload.message, /0 added, 0 removed, 0 changed/);
    assert.equal(await within(ingestd.stop(), 30_000, 'the daemon did not stop'), 0);
    assert.deepEqual(await redisServersServing(ingestd.embeddedRedisSocket), []);
    assert.equal(
      logsSince(ingestd, since).some((e) => e.level === 'error'),
      false,
      logsSince(ingestd, since)
        .map((e) => e.message)
        .join('\n'),
    );
  });

  it('SIGTERM while it waits for a Redis that does not answer: exit 0 within 10 s', async () => {
    const redis = await startRedis();
    redises.push(redis);
    const [redisPid] = await redisServersServing(redis.socketPath);
    process.kill(redisPid!, 'SIGSTOP');
    try {
      const ingestd = await daemon({ redisUrl: redis.url });
      await ingestd.waitFor((e) => e.message.startsWith('connecting to Redis at'));
      // Connected to a server that never answers: it would wait for ever.
      await sleep(1_000);
      assert.equal(ingestd.logs.some(isRunning), false);
      process.kill(ingestd.pid!, 'SIGTERM');
      assert.equal(await within(ingestd.exit(), 10_000, 'the daemon did not exit'), 0);
    } finally {
      process.kill(redisPid!, 'SIGCONT');
    }
  });

  it('a second SIGTERM ends a stop that waits for in-flight work at once, with exit 1', async () => {
    // Registrations that take 20 s keep the first pass's batch, and so the first stop, waiting.
    await emulator.setFaults({ latencyMs: 20_000, ops: ['register'] });
    try {
      const ingestd = await daemon({});
      await ingestd.waitFor((e) => /^job \S+ pass 1 started/.test(e.message));
      await sleep(1_000);
      process.kill(ingestd.pid!, 'SIGTERM');
      await ingestd.waitFor((e) => /^SIGTERM: stopping/.test(e.message));
      await sleep(1_000);
      assert.equal(
        ingestd.logs.some((e) => e.message === 'stopped'),
        false,
        'nothing in flight',
      );
      process.kill(ingestd.pid!, 'SIGTERM');
      assert.equal(await within(ingestd.exit(), 5_000, 'the daemon did not exit'), 1);
      // Its embedded Redis ends with it (parent death), although nothing stopped it.
      await waitUntilGone(ingestd);
    } finally {
      await emulator.clearFaults();
    }
  });

  it('a daemon killed with SIGKILL takes its embedded Redis with it', async () => {
    const ingestd = await daemon({});
    await ingestd.waitFor(isRunning);
    assert.equal((await redisServersServing(ingestd.embeddedRedisSocket)).length, 1);
    process.kill(ingestd.pid!, 'SIGKILL');
    await ingestd.exit();
    await waitUntilGone(ingestd);
  });
});

/** Polls until no redis-server serves the daemon's embedded socket (10 s at most). */
async function waitUntilGone(ingestd: Ingestd): Promise<void> {
  await eventually(
    'the embedded redis-server to follow its daemon',
    async () => (await redisServersServing(ingestd.embeddedRedisSocket)).length === 0,
    { timeoutMs: 10_000 },
  );
}
