import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  nextPassStep,
  PASS_ENDS,
  PASS_STEPS,
  wakesAtOnce,
  type PassLoopFlags,
  type PassStep,
} from '../../../src/core/pass-loop.js';

const quiet: PassLoopFlags = {
  stopping: false,
  paused: false,
  rescanRequested: false,
  done: false,
  oneShot: false,
};

describe('nextPassStep', () => {
  const table: [string, Partial<PassLoopFlags>, PassStep][] = [
    // At the top of the loop.
    ['a periodic job passes', {}, PASS_STEPS.pass],
    ['a one-pass job not done yet passes', { oneShot: true }, PASS_STEPS.pass],
    ['a stopping job stops', { stopping: true }, PASS_STEPS.stop],
    ['stopping wins over a rescan request', { stopping: true, rescanRequested: true }, 'stop'],
    ['a paused job waits', { paused: true }, PASS_STEPS.wait],
    [
      'a paused job waits even when asked to rescan',
      { paused: true, rescanRequested: true },
      'wait',
    ],
    ['a done one-pass job waits', { oneShot: true, done: true }, PASS_STEPS.wait],
    [
      'a done one-pass job passes again on request',
      { oneShot: true, done: true, rescanRequested: true },
      'pass',
    ],
    ['a done job paused waits', { done: true, rescanRequested: true, paused: true }, 'wait'],
    // When a pass has ended.
    ['a pass cut short stops the loop', { ended: PASS_ENDS.cutShort, stopping: true }, 'stop'],
    [
      'a pass cut short stops even if asked again',
      { ended: PASS_ENDS.cutShort, rescanRequested: true },
      'stop',
    ],
    [
      'a one-pass job is done after a complete pass',
      { ended: PASS_ENDS.complete, oneShot: true },
      'done',
    ],
    [
      'done, even when a rescan was asked meanwhile',
      { ended: PASS_ENDS.complete, oneShot: true, rescanRequested: true },
      'done',
    ],
    ['a periodic job waits for its interval', { ended: PASS_ENDS.complete }, PASS_STEPS.interval],
    [
      'a periodic job asked meanwhile goes again',
      { ended: PASS_ENDS.complete, rescanRequested: true },
      PASS_STEPS.again,
    ],
    [
      'again, also when paused (the top then waits)',
      { ended: PASS_ENDS.complete, rescanRequested: true, paused: true },
      'again',
    ],
    [
      'a complete pass while stopping ends at the top',
      { ended: PASS_ENDS.complete, stopping: true },
      'interval',
    ],
  ];
  for (const [name, flags, step] of table) {
    it(name, () => assert.equal(nextPassStep({ ...quiet, ...flags }), step));
  }
});

describe('wakesAtOnce', () => {
  const table: [Partial<PassLoopFlags>, boolean][] = [
    [{}, false],
    [{ rescanRequested: true }, true],
    [{ rescanRequested: true, paused: true }, false],
    [{ paused: true }, false],
  ];
  for (const [flags, wakes] of table) {
    it(`${JSON.stringify(flags)} → ${wakes}`, () =>
      assert.equal(wakesAtOnce({ ...quiet, ...flags }), wakes));
  }
});
