import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  createNotifier,
  notifyArguments,
  startWatchdog,
  watchdogInterval,
  type NotifyError,
} from '../../src/systemd.js';

describe('notifyArguments', () => {
  it('makes one VAR=VALUE argument per field, leaving out unset ones', () => {
    assert.deepEqual(notifyArguments({ READY: '1', STATUS: undefined }), ['READY=1']);
    assert.deepEqual(notifyArguments({ STOPPING: '1', STATUS: 'draining' }), [
      'STOPPING=1',
      'STATUS=draining',
    ]);
  });

  it('folds line breaks into one space', () => {
    assert.deepEqual(notifyArguments({ STATUS: 'a\r\nb\n\nc' }), ['STATUS=a b c']);
  });
});

describe('watchdogInterval', () => {
  const cases: [string, Record<string, string>, number | undefined][] = [
    ['no watchdog', {}, undefined],
    ['WatchdogSec=60s for any process', { WATCHDOG_USEC: '60000000' }, 30_000],
    ['WatchdogSec=60s for us', { WATCHDOG_USEC: '60000000', WATCHDOG_PID: '77' }, 30_000],
    [
      'WatchdogSec=60s for another process',
      { WATCHDOG_USEC: '60000000', WATCHDOG_PID: '78' },
      undefined,
    ],
    ['an empty WATCHDOG_PID', { WATCHDOG_USEC: '3000', WATCHDOG_PID: '' }, 1],
    ['a tiny interval', { WATCHDOG_USEC: '1' }, 1],
    ['zero', { WATCHDOG_USEC: '0' }, undefined],
    ['garbage', { WATCHDOG_USEC: '60s' }, undefined],
    ['a negative value', { WATCHDOG_USEC: '-5' }, undefined],
  ];
  for (const [name, env, expected] of cases) {
    it(`is ${String(expected)} ms for ${name}`, () => {
      assert.equal(watchdogInterval(env, 77), expected);
    });
  }
});

describe('createNotifier outside systemd', () => {
  // PATH leads nowhere: had the notifier tried to run systemd-notify, onError would hear of it.
  const outside = { PATH: '/nonexistent', WATCHDOG_USEC: '60000000' };

  it('is disabled, has no watchdog and runs nothing for any verb', async () => {
    const errors: NotifyError[] = [];
    const notifier = createNotifier(outside, { pid: 1, onError: (e) => errors.push(e) });
    assert.equal(notifier.enabled, false);
    assert.equal(notifier.watchdogIntervalMs, undefined);
    await notifier.ready('up');
    await notifier.status('scanning');
    await notifier.reloading();
    await notifier.watchdog();
    await notifier.stopping();
    assert.deepEqual(errors, []);
  });

  it('treats an empty NOTIFY_SOCKET as unset', () => {
    assert.equal(createNotifier({ ...outside, NOTIFY_SOCKET: '' }, { pid: 1 }).enabled, false);
  });

  it('gives a watchdog that never calls the health check', async () => {
    let checks = 0;
    const watchdog = startWatchdog(createNotifier(outside, { pid: 1 }), {
      check: () => {
        checks += 1;
        return Promise.resolve(undefined);
      },
    });
    await new Promise((resolve) => setTimeout(resolve, 20));
    watchdog.stop();
    assert.equal(checks, 0);
  });
});
