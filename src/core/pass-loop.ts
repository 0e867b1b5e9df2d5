/**
 * The pass loop's decisions (src/sync/job-runner.ts): whether a job passes now, waits to be woken,
 * or stops, from the flags that stop(), drain(), pause(), resume() and rescan() set. The loop
 * asks at its top, and again when a pass has ended (`ended`); a pass that failed is the loop's
 * own affair (it waits with backoff, then asks at the top).
 */

export const PASS_STEPS = {
  /** Leave the loop: the job is stopping, or its pass was cut short by the stop. */
  stop: 'stop',
  /** Wait until woken (resume, rescan, stop): paused, or a one-pass job that is done. */
  wait: 'wait',
  /** Pass now. */
  pass: 'pass',
  /** A one-pass job completed its pass: it is done. */
  done: 'done',
  /** A periodic job completed its pass and another was asked for meanwhile: ask again at once. */
  again: 'again',
  /** A periodic job completed its pass: wait for the rescan interval, or until woken. */
  interval: 'interval',
} as const;
export type PassStep = (typeof PASS_STEPS)[keyof typeof PASS_STEPS];

/** How the pass that just ended went. */
export const PASS_ENDS = { complete: 'complete', cutShort: 'cut-short' } as const;
export type PassEnd = (typeof PASS_ENDS)[keyof typeof PASS_ENDS];

export interface PassLoopFlags {
  /** stop() or drain(): no more passes or watching. */
  readonly stopping: boolean;
  readonly paused: boolean;
  /** A pass was asked for (rescan(), resume, the watcher's catch-up). */
  readonly rescanRequested: boolean;
  /** A one-pass job (`rescan_interval = "0"`) whose pass is complete. */
  readonly done: boolean;
  /** A one-pass job. */
  readonly oneShot: boolean;
  /** The pass that just ended; absent at the top of the loop. */
  readonly ended?: PassEnd;
}

export function nextPassStep(flags: PassLoopFlags): PassStep {
  const { stopping, paused, rescanRequested, done, oneShot, ended } = flags;
  if (ended === PASS_ENDS.cutShort) return PASS_STEPS.stop;
  if (ended === PASS_ENDS.complete) {
    if (oneShot) return PASS_STEPS.done;
    return rescanRequested ? PASS_STEPS.again : PASS_STEPS.interval;
  }
  if (stopping) return PASS_STEPS.stop;
  if (done && !rescanRequested) return PASS_STEPS.wait;
  if (paused) return PASS_STEPS.wait;
  return PASS_STEPS.pass;
}

/** Whether an idle wait is cut short at once: a rescan was asked for, and not while paused. */
export function wakesAtOnce(flags: Pick<PassLoopFlags, 'paused' | 'rescanRequested'>): boolean {
  return flags.rescanRequested && !flags.paused;
}
