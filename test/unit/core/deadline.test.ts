import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SETTLED, settleWithin, unlessAborted } from '../../../src/core/deadline.js';

const never = () => new Promise<never>(() => undefined);

describe('settleWithin', () => {
  it('is done when the work settles in time, even with no time at all', async () => {
    assert.equal(await settleWithin(Promise.resolve('x'), 1_000), SETTLED.done);
    assert.equal(await settleWithin(Promise.resolve(), 0), SETTLED.done);
  });

  it('is late when the work does not settle in time', async () => {
    assert.equal(await settleWithin(never(), 10), SETTLED.late);
  });

  it('rejects as the work does', async () => {
    await assert.rejects(settleWithin(Promise.reject(new Error('gone')), 1_000), /gone/);
  });
});

describe('unlessAborted', () => {
  it('passes the outcome of the work through', async () => {
    assert.equal(await unlessAborted(Promise.resolve(7), new AbortController().signal), 7);
    await assert.rejects(
      unlessAborted(Promise.reject(new Error('refused')), new AbortController().signal),
      /refused/,
    );
  });

  it('rejects with the reason when aborted first, or before', async () => {
    const stop = new AbortController();
    const waiting = unlessAborted(never(), stop.signal);
    stop.abort(new Error('stop requested'));
    await assert.rejects(waiting, /stop requested/);
    await assert.rejects(unlessAborted(Promise.resolve(1), stop.signal), /stop requested/);
  });
});
