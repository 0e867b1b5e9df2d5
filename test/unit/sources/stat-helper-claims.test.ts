import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { claimSlot } from '../../../src/sources/stat-helper.js';

describe('claiming a path between the walk and its stat helper', () => {
  it('gives each slot of a request to one party only', () => {
    const claims = new Int32Array(4);
    assert.equal(claimSlot(claims, 2, 1), true);
    assert.equal(claimSlot(claims, 2, 1), false);
    assert.equal(claimSlot(claims, 3, 1), true);
  });

  it('frees every slot for the next request without clearing', () => {
    const claims = new Int32Array(4);
    for (let slot = 0; slot < 4; slot++) assert.equal(claimSlot(claims, slot, 1), true);
    for (let slot = 0; slot < 4; slot++) assert.equal(claimSlot(claims, slot, 2), true);
  });

  it('leaves a helper still on an older request nothing of a newer one', () => {
    const claims = new Int32Array(4);
    // The walk took all of request 1 and went on to request 2 before the helper looked.
    for (let slot = 0; slot < 4; slot++) claimSlot(claims, slot, 1);
    assert.equal(claimSlot(claims, 3, 2), true);
    assert.equal(claimSlot(claims, 3, 1), false);
    assert.equal(claimSlot(claims, 0, 1), false);
  });

  it('splits a listing where the front and the back meet, every path taken once', () => {
    for (const helperSteps of [0, 1, 3, 7, 10]) {
      const claims = new Int32Array(10);
      const owner: string[] = [];
      let back = 9;
      for (let step = 0; step < helperSteps && claimSlot(claims, back, 5); step++) {
        owner[back--] = 'helper';
      }
      let front = 0;
      while (front < 10 && claimSlot(claims, front, 5)) owner[front++] = 'walk';
      // The helper goes on after the walk stopped, and finds the walk's last slot taken.
      assert.equal(back < 0 || !claimSlot(claims, back, 5), true);
      assert.equal(front + (9 - back), 10, `${helperSteps} helper steps`);
      assert.deepEqual(owner, [
        ...Array<string>(10 - helperSteps).fill('walk'),
        ...Array<string>(helperSteps).fill('helper'),
      ]);
    }
  });
});
