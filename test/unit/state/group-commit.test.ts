import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GroupCommit } from '../../../src/state/group-commit.js';

/** A GroupCommit whose calls answer each item doubled, once `open` lets the current one go. */
function doubling() {
  const calls: number[][] = [];
  const gates: (() => void)[] = [];
  const group = new GroupCommit<number, number>(async (items) => {
    calls.push([...items]);
    await new Promise<void>((resolve) => gates.push(resolve));
    if (items.includes(-1)) throw new Error('the call failed');
    return items.map((item) => item * 2);
  });
  const open = async () => {
    while (gates.length === 0) await new Promise((resolve) => setImmediate(resolve));
    gates.shift()!();
  };
  return { group, calls, open };
}

// A call the test never opens would hang it: the timeout fails it instead.
describe('GroupCommit', { timeout: 10_000 }, () => {
  it('sends the writes of one turn in one call, and answers each its own result', async () => {
    const { group, calls, open } = doubling();
    const answers = Promise.all([1, 2, 3].map((item) => group.submit(item)));
    await open();
    assert.deepEqual(await answers, [2, 4, 6]);
    assert.deepEqual(calls, [[1, 2, 3]]);
  });

  it('sends the writes that arrive during a call together in the next', async () => {
    const { group, calls, open } = doubling();
    const first = group.submit(1);
    await new Promise((resolve) => setImmediate(resolve));
    const later = [group.submit(2), group.submit(3)];
    await open();
    assert.equal(await first, 2);
    await open();
    assert.deepEqual(await Promise.all(later), [4, 6]);
    assert.deepEqual(calls, [[1], [2, 3]]);
  });

  it('fails every write of a failed call, and sends the next ones', async () => {
    const { group, calls, open } = doubling();
    const failed = [group.submit(-1), group.submit(5)];
    await open();
    for (const write of failed) await assert.rejects(write, /the call failed/);
    const next = group.submit(7);
    await open();
    assert.equal(await next, 14);
    assert.deepEqual(calls, [[-1, 5], [7]]);
  });
});
