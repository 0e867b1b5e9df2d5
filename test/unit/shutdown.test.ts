import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Shutdown } from '../../src/shutdown.js';

function recorder() {
  const warnings: string[] = [];
  return { warnings, log: { warn: (message: string) => void warnings.push(message) } };
}

describe('Shutdown', () => {
  it('runs the steps once, last registered first', async () => {
    const ran: string[] = [];
    const { log } = recorder();
    const shutdown = new Shutdown(log);
    for (const what of ['redis', 'jobs', 'socket']) {
      shutdown.add(what, () => Promise.resolve(void ran.push(what)));
    }
    const first = shutdown.run();
    assert.equal(shutdown.run(), first);
    await first;
    assert.deepEqual(ran, ['socket', 'jobs', 'redis']);
  });

  it('runs every step despite the failures of earlier ones, and says which failed', async () => {
    const ran: string[] = [];
    const { log, warnings } = recorder();
    const shutdown = new Shutdown(log);
    shutdown.add('last', () => Promise.resolve(void ran.push('last')));
    shutdown.add('rejects', () => Promise.reject(new Error('connection reset')));
    shutdown.add('throws', () => {
      throw new Error('not started');
    });
    await shutdown.run();
    assert.deepEqual(ran, ['last']);
    assert.deepEqual(warnings, [
      'stopping: throws failed: not started',
      'stopping: rejects failed: connection reset',
    ]);
  });

  it('leaves a step that runs out of time behind and goes on', async () => {
    const ran: string[] = [];
    const { log, warnings } = recorder();
    const shutdown = new Shutdown(log);
    shutdown.add('the Redis connection', () => Promise.resolve(void ran.push('redis')));
    shutdown.add('the jobs', () => new Promise(() => undefined), 20);
    await shutdown.run();
    assert.deepEqual(ran, ['redis']);
    assert.deepEqual(warnings, [
      'stopping: the jobs did not finish within 0.02 s; going on without it',
    ]);
  });

  it('stops at once what is started after the stop began', async () => {
    const ran: string[] = [];
    const shutdown = new Shutdown(recorder().log);
    await shutdown.run();
    let undone: () => void = () => undefined;
    const done = new Promise<void>((resolve) => (undone = resolve));
    shutdown.add('the stall watch', () => {
      ran.push('stall watch');
      undone();
      return Promise.resolve();
    });
    await done;
    assert.deepEqual(ran, ['stall watch']);
  });
});
