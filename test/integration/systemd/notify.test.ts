import assert from 'node:assert/strict';
import { hrtime } from 'node:process';
import { after, before, beforeEach, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  createNotifier,
  startWatchdog,
  type Environment,
  type NotifyError,
} from '../../../src/systemd.js';
import { startNotifyListener, type NotifyListener } from './notify-listener.js';

const PID = 4242;

describe('sd_notify through systemd-notify', () => {
  let listener: NotifyListener;
  let env: Environment;

  before(async () => {
    listener = await startNotifyListener();
  });
  after(async () => {
    await listener.close();
  });
  beforeEach(async () => {
    // Every test starts with an empty record, after the datagrams of earlier tests arrived.
    await sleep(50);
    listener.clear();
    env = { PATH: process.env.PATH, NOTIFY_SOCKET: listener.socket };
  });

  it('sends READY=1 and the status in one datagram', async () => {
    const errors: NotifyError[] = [];
    const notifier = createNotifier(env, { pid: PID, onError: (e) => errors.push(e) });
    assert.equal(notifier.enabled, true);
    await notifier.ready('watching 2 jobs');
    assert.deepEqual(await listener.waitFor(1), [['READY=1', 'STATUS=watching 2 jobs']]);
    assert.deepEqual(errors, []);
  });

  it('delivers notifications in the order they were sent, without waiting in between', async () => {
    const notifier = createNotifier(env, { pid: PID });
    void notifier.status('connecting to Redis');
    void notifier.status('starting 3 jobs');
    void notifier.ready();
    await notifier.stopping('stopping: 4 batches running');
    assert.deepEqual(await listener.waitFor(4), [
      ['STATUS=connecting to Redis'],
      ['STATUS=starting 3 jobs'],
      ['READY=1'],
      ['STOPPING=1', 'STATUS=stopping: 4 batches running'],
    ]);
  });

  it('stamps RELOADING=1 with the monotonic clock in microseconds', async () => {
    const notifier = createNotifier(env, { pid: PID });
    const before = hrtime.bigint() / 1000n;
    await notifier.reloading('reloading /etc/irods-ingest/ingestd.toml');
    const after = hrtime.bigint() / 1000n;
    const [message] = await listener.waitFor(1);
    assert.equal(message?.[0], 'RELOADING=1');
    const stamp = BigInt(message?.[1]?.replace(/^MONOTONIC_USEC=/, '') ?? '-1');
    assert.ok(stamp >= before && stamp <= after, `${stamp} within [${before}, ${after}]`);
    assert.equal(message?.[2], 'STATUS=reloading /etc/irods-ingest/ingestd.toml');
  });

  it('turns newlines in a status into spaces so they cannot start new fields', async () => {
    const notifier = createNotifier(env, { pid: PID });
    await notifier.status('job a: 3 failed\nREADY=1');
    assert.deepEqual(await listener.waitFor(1), [['STATUS=job a: 3 failed READY=1']]);
  });

  it('reports a notification socket nobody listens on to onError, and still resolves', async () => {
    const errors: NotifyError[] = [];
    const notifier = createNotifier(
      { ...env, NOTIFY_SOCKET: `${listener.socket}.missing` },
      { pid: PID, onError: (e) => errors.push(e) },
    );
    await notifier.ready('up');
    assert.equal(errors.length, 1);
    assert.equal(errors[0]?.code, 'SD_NOTIFY');
    assert.deepEqual(errors[0]?.fields, ['READY=1', 'STATUS=up']);
    assert.match(errors[0]?.message ?? '', /^telling systemd READY=1 STATUS=up failed: /);
  });

  it('reports a missing systemd-notify to onError instead of throwing', async () => {
    const errors: NotifyError[] = [];
    const notifier = createNotifier(
      { NOTIFY_SOCKET: listener.socket, PATH: '/nonexistent' },
      { pid: PID, onError: (e) => errors.push(e) },
    );
    await notifier.watchdog();
    assert.equal(errors.length, 1);
    assert.match(errors[0]?.message ?? '', /WATCHDOG=1 failed: .*ENOENT/);
  });
});

describe('startWatchdog', () => {
  let listener: NotifyListener;

  before(async () => {
    listener = await startNotifyListener();
  });
  after(async () => {
    await listener.close();
  });
  beforeEach(async () => {
    await sleep(50);
    listener.clear();
  });

  // WatchdogSec=400ms: a ping is due every 200 ms.
  const watchdogEnv = (): Environment => ({
    PATH: process.env.PATH,
    NOTIFY_SOCKET: listener.socket,
    WATCHDOG_USEC: '400000',
    WATCHDOG_PID: String(PID),
  });

  it('pings every half WatchdogSec while the health check passes', async () => {
    const notifier = createNotifier(watchdogEnv(), { pid: PID });
    assert.equal(notifier.watchdogIntervalMs, 200);
    let checks = 0;
    const watchdog = startWatchdog(notifier, {
      check: () => {
        checks += 1;
        return Promise.resolve(undefined);
      },
    });
    try {
      assert.deepEqual(await listener.waitFor(2, 5_000), [['WATCHDOG=1'], ['WATCHDOG=1']]);
      assert.ok(checks >= 2);
    } finally {
      watchdog.stop();
    }
  });

  it('withholds the ping and reports why while the health check fails', async () => {
    const notifier = createNotifier(watchdogEnv(), { pid: PID });
    const reasons: string[] = [];
    const watchdog = startWatchdog(notifier, {
      check: () => Promise.resolve('Redis does not answer PING'),
      onUnhealthy: (reason) => reasons.push(reason),
    });
    await sleep(700);
    watchdog.stop();
    assert.ok(reasons.length >= 2, `${reasons.length} reports`);
    assert.ok(reasons.every((reason) => reason === 'Redis does not answer PING'));
    assert.deepEqual(listener.messages, []);
  });

  it('counts a health check that throws or hangs as failed', async () => {
    const notifier = createNotifier(watchdogEnv(), { pid: PID });
    const reasons: string[] = [];
    let calls = 0;
    const watchdog = startWatchdog(notifier, {
      check: () => {
        calls += 1;
        return calls === 1
          ? Promise.reject(new Error('connection is closed'))
          : new Promise<undefined>(() => undefined);
      },
      onUnhealthy: (reason) => reasons.push(reason),
    });
    await sleep(750);
    watchdog.stop();
    assert.deepEqual(reasons.slice(0, 2), [
      'connection is closed',
      'health check did not finish within 200 ms',
    ]);
    assert.deepEqual(listener.messages, []);
  });

  it('stops pinging once stopped', async () => {
    const notifier = createNotifier(watchdogEnv(), { pid: PID });
    const watchdog = startWatchdog(notifier, { check: () => Promise.resolve(undefined) });
    await listener.waitFor(1, 5_000);
    watchdog.stop();
    await sleep(100);
    const count = listener.messages.length;
    await sleep(500);
    assert.equal(listener.messages.length, count);
  });
});
