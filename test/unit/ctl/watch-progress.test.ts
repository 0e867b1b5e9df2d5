import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { JobStatus } from '../../../src/control/wire.js';
import {
  endedWithFailures,
  endLine,
  progressFigures,
  progressLine,
  watchedPass,
  watchedPassEnded,
} from '../../../src/ctl/watch-progress.js';

const zero = { seen: 0, new: 0, updated: 0, deleted: 0, excluded: 0, failed: 0, bytes: 0 };
const T0 = '2026-11-29T10:00:00.000Z';
const T1 = '2026-11-29T10:00:04.100Z';

function job(over: Partial<JobStatus>): JobStatus {
  return {
    name: 'm1',
    source: '/d',
    target: '/z/t',
    operation: 'register',
    state: 'idle',
    pass: 0,
    current: zero,
    total: zero,
    queued: 0,
    failures: 0,
    rate: { files: 0, bytes: 0 },
    watcher: { state: 'off', watches: 0 },
    ...over,
  };
}

describe('which pass watch follows', () => {
  it('follows the pass in progress', () => {
    assert.equal(
      watchedPass(job({ state: 'running', pass: 3, passStartedAt: T1, passEndedAt: T0 })),
      3,
    );
    assert.equal(watchedPass(job({ state: 'running', pass: 3, passStartedAt: T0 })), 3);
    assert.equal(watchedPass(job({ state: 'paused', pass: 3, passStartedAt: T0 })), 3);
  });

  it('follows the next pass of an idle job, or the first of a new one', () => {
    assert.equal(
      watchedPass(job({ state: 'idle', pass: 3, passStartedAt: T0, passEndedAt: T1 })),
      4,
    );
    assert.equal(watchedPass(job({ state: 'idle', pass: 0 })), 1);
    // running with its last pass ended: between passes, so the next one.
    assert.equal(
      watchedPass(job({ state: 'running', pass: 3, passStartedAt: T0, passEndedAt: T1 })),
      4,
    );
  });

  it('reports the last pass of a job that will not run another', () => {
    assert.equal(
      watchedPass(job({ state: 'done', pass: 1, passStartedAt: T0, passEndedAt: T1 })),
      1,
    );
    assert.equal(watchedPass(job({ state: 'failed', pass: 2 })), 2);
  });
});

describe('when the watched pass has ended', () => {
  const table: [string, Partial<JobStatus>, number, boolean][] = [
    ['still running', { state: 'running', pass: 3, passStartedAt: T0 }, 3, false],
    ['paused mid-pass', { state: 'paused', pass: 3, passStartedAt: T0 }, 3, false],
    [
      'end time set for it',
      { state: 'running', pass: 3, passStartedAt: T0, passEndedAt: T1 },
      3,
      true,
    ],
    [
      'end time of an earlier pass',
      { state: 'running', pass: 3, passStartedAt: T1, passEndedAt: T0 },
      3,
      false,
    ],
    ['idle after it', { state: 'idle', pass: 3, passStartedAt: T0 }, 3, true],
    ['done after it', { state: 'done', pass: 3 }, 3, true],
    ['a later pass runs', { state: 'running', pass: 5, passStartedAt: T1 }, 3, true],
    ['not started yet', { state: 'idle', pass: 2, passStartedAt: T0, passEndedAt: T1 }, 3, false],
  ];
  for (const [what, over, watched, ended] of table) {
    it(`${ended ? 'has' : 'has not'} ended: ${what}`, () => {
      assert.equal(watchedPassEnded(job(over), watched), ended);
    });
  }
});

describe('whether the pass ended with failures', () => {
  it('reads the failed counter of the last answer about the watched pass', () => {
    const seen = job({ pass: 3, current: { ...zero, failed: 2 } });
    assert.equal(endedWithFailures(job({ pass: 4 }), seen), true);
    assert.equal(endedWithFailures(job({ pass: 3 }), job({ pass: 3 })), false);
    assert.equal(endedWithFailures(job({ pass: 3 }), job({ pass: 3, state: 'failed' })), true);
  });

  it('falls back on the failure list when the pass was never seen', () => {
    assert.equal(endedWithFailures(job({ pass: 5, failures: 1 }), undefined), true);
    assert.equal(endedWithFailures(job({ pass: 5, failures: 0 }), undefined), false);
  });
});

describe('progress figures', () => {
  it('uses the daemon progress for the bar and the ETA', () => {
    const figures = progressFigures(
      job({
        state: 'running',
        pass: 1,
        current: { ...zero, failed: 1 },
        rate: { files: 10, bytes: 2048 },
        progress: {
          filesKnown: 500,
          filesDone: 200,
          bytesKnown: 10_000,
          bytesDone: 5_000,
          scanComplete: true,
        },
      }),
    );
    assert.deepEqual(figures, {
      filesDone: 200,
      filesKnown: 500,
      growing: false,
      bytesDone: 5_000,
      bytesKnown: 10_000,
      failed: 1,
      filesPerSecond: 10,
      bytesPerSecond: 2048,
      etaSeconds: 30,
    });
  });

  it('counts finished actions without a total when the daemon gives no progress', () => {
    const figures = progressFigures(
      job({
        state: 'running',
        pass: 1,
        current: { ...zero, new: 5, updated: 2, deleted: 1, failed: 1, bytes: 9 },
      }),
    );
    assert.equal(figures.filesDone, 9);
    assert.equal(figures.filesKnown, undefined);
    assert.equal(figures.etaSeconds, undefined);
  });

  it('prints a plain line while waiting and while running', () => {
    assert.equal(progressLine(job({ pass: 2 }), 3), 'job m1: idle, waiting for pass 3');
    assert.equal(
      progressLine(
        job({
          state: 'running',
          pass: 3,
          rate: { files: 4, bytes: 1024 },
          progress: {
            filesKnown: 10,
            filesDone: 2,
            bytesKnown: 0,
            bytesDone: 0,
            scanComplete: false,
          },
        }),
        3,
      ),
      'job m1 pass 3: running, 2 of 10+ files, 0 B, 4.0 files/s, 1.0 KiB/s, ETA 2 s, 0 failed',
    );
  });

  it('closes with the pass summary when the pass was seen', () => {
    const last = job({
      state: 'idle',
      pass: 3,
      passStartedAt: T0,
      passEndedAt: T1,
      current: { ...zero, seen: 7, new: 7 },
    });
    assert.equal(
      endLine(last, last, 3),
      'job m1 pass 3 done: 7 seen, 7 new, 0 updated, 0 deleted, 0 excluded, 0 failed, 0 B, 4.1 s',
    );
    assert.match(
      endLine(job({ pass: 5, failures: 2 }), undefined, 3),
      /pass 3 ended between two looks; 2 file/,
    );
  });

  it('ends with the reason, not a summary, for a pass that failed or was refused', () => {
    const failed = job({
      state: 'failed',
      pass: 4,
      passFailure: { reason: 'prePass threw: \u001b[2Joffline', since: T0, attempts: 2 },
    });
    assert.equal(
      endLine(failed, failed, 4),
      'job m1 pass 4 failed: prePass threw: \\u001b[2Joffline',
    );
    const refused = job({
      state: 'failed',
      refused: { reason: 'the source root is gone', since: T0 },
    });
    assert.equal(
      endLine(refused, refused, 1),
      'job m1: its passes are refused: the source root is gone',
    );
  });
});
