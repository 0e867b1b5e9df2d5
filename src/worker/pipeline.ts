/**
 * An action is a list of named steps run in order over one context object. Keeping the steps as
 * data (not one long function) shows where each action calls out (the event handler's hooks are
 * steps too), and makes failures name the step they came from.
 */
import { asWorkerError, type EntryFailure } from './errors.js';

export interface Step<C> {
  readonly name: string;
  run(ctx: C): Promise<void>;
}

/** What a context must offer the runner: whether to stop early, and who the entry is. */
export interface StepContext {
  /** Set by a step when nothing more is to be done (the source vanished, say). */
  stopped: boolean;
  /** The entry and operation, for errors. */
  readonly failure: Omit<EntryFailure, 'step'>;
  /**
   * Aborted when the entry's time is up (a handler's `timeout`): no further step runs, so an
   * action that its caller gave up on records nothing.
   */
  readonly signal?: AbortSignal;
}

/** Runs the steps in order until one throws or sets `stopped`; errors become `WorkerError`s. */
export async function runSteps<C extends StepContext>(
  steps: readonly Step<C>[],
  ctx: C,
): Promise<void> {
  for (const step of steps) {
    if (ctx.stopped) return;
    try {
      ctx.signal?.throwIfAborted();
      await step.run(ctx);
    } catch (error) {
      throw asWorkerError(error, { ...ctx.failure, step: step.name });
    }
  }
}

export function step<C>(name: string, run: (ctx: C) => Promise<void>): Step<C> {
  return { name, run };
}
