import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SettleQueue } from '../../../src/core/settle.js';

describe('SettleQueue', () => {
  it('hands a path on only after it was quiet for the settle time', () => {
    const queue = new SettleQueue(1000);
    queue.note('a', false, false, 0);
    assert.deepEqual(queue.take(999), []);
    assert.deepEqual(queue.take(1000), [{ path: 'a', directory: false, removed: false }]);
    assert.equal(queue.size, 0);
  });

  it('collapses repeated events for one path into one, timed from the last', () => {
    const queue = new SettleQueue(1000);
    for (let t = 0; t <= 2000; t += 200) queue.note('slow.bin', false, false, t);
    assert.deepEqual(queue.take(2999), []);
    assert.deepEqual(queue.take(3000), [{ path: 'slow.bin', directory: false, removed: false }]);
  });

  it('keeps the last event kind of a path', () => {
    const queue = new SettleQueue(10);
    queue.note('x', false, false, 0);
    queue.note('x', false, true, 5);
    assert.deepEqual(queue.take(100), [{ path: 'x', directory: false, removed: true }]);
  });

  it('hands paths on oldest first and keeps those still settling', () => {
    const queue = new SettleQueue(100);
    queue.note('a', false, false, 0);
    queue.note('b', true, false, 50);
    queue.note('c', false, true, 120);
    assert.deepEqual(
      queue.take(160).map(({ path }) => path),
      ['a', 'b'],
    );
    assert.equal(queue.nextDueAt(), 220);
    assert.deepEqual(queue.removedStillSettling(), [
      { path: 'c', directory: false, removed: true, lastAt: 120, firstAt: 120 },
    ]);
  });

  it('says since when a path has been settling, across its events, until it settled', () => {
    const queue = new SettleQueue(100);
    assert.equal(queue.settlingSince('a'), undefined);
    queue.note('a', false, false, 10);
    queue.note('a', false, false, 90);
    assert.equal(queue.settlingSince('a'), 10);
    queue.take(190);
    assert.equal(queue.settlingSince('a'), undefined);
    queue.note('a', false, true, 300);
    assert.equal(queue.settlingSince('a'), 300);
  });

  it('forgets a path dealt with early and reports nothing due when empty', () => {
    const queue = new SettleQueue(100);
    queue.note('gone', false, true, 0);
    queue.forget('gone');
    assert.equal(queue.nextDueAt(), undefined);
    assert.deepEqual(queue.take(1000), []);
  });
});
