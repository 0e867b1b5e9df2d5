import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setImmediate } from 'node:timers/promises';
import { InFlight } from '../../../src/sync/in-flight.js';

describe('InFlight', () => {
  it('runs at most its limit of tasks at once, and all of them by settled', async () => {
    const inFlight = new InFlight(2);
    let running = 0;
    let most = 0;
    const done: number[] = [];
    for (let i = 0; i < 6; i++) {
      await inFlight.add(async () => {
        running += 1;
        most = Math.max(most, running);
        await setImmediate();
        running -= 1;
        done.push(i);
      });
    }
    await inFlight.settled();
    assert.equal(most, 2);
    assert.deepEqual([...done].sort(), [0, 1, 2, 3, 4, 5]);
  });

  it('fails the next add, and settled, with the first failure', async () => {
    const inFlight = new InFlight(1);
    await inFlight.add(() => Promise.reject(new Error('the write failed')));
    await assert.rejects(
      inFlight.add(() => Promise.resolve()),
      /the write failed/,
    );
    await assert.rejects(inFlight.settled(), /the write failed/);
  });
});
