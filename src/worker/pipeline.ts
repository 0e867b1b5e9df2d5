/**
 * An action is a list of named steps run in order over one context object. Keeping the steps as
 * data (not one long function) lets per-site event handlers wrap any step later (before, after,
 * instead of) without the workers changing shape, and makes failures name the step they came from.
 */
import { asWorkerError, type EntryFailure } from './errors.js';

export interface Step<C> {
  readonly name: string;
  run(ctx: C): Promise<void>;
}

/**
 * Wraps one step: call `next()` to run it (or do not, to replace it). Hooks see the step's name
 * and the context, and their errors are reported as the step's.
 */
export type StepWrapper<C> = (step: string, ctx: C, next: () => Promise<void>) => Promise<void>;

/** What a context must offer the runner: whether to stop early, and who the entry is. */
export interface StepContext {
  /** Set by a step when nothing more is to be done (the source vanished, say). */
  stopped: boolean;
  /** The entry and operation, for errors. */
  readonly failure: Omit<EntryFailure, 'step'>;
}

/** Runs the steps in order until one throws or sets `stopped`; errors become `WorkerError`s. */
export async function runSteps<C extends StepContext>(
  steps: readonly Step<C>[],
  ctx: C,
  wrap?: StepWrapper<C>,
): Promise<void> {
  for (const step of steps) {
    if (ctx.stopped) return;
    try {
      if (wrap === undefined) await step.run(ctx);
      else await wrap(step.name, ctx, () => step.run(ctx));
    } catch (error) {
      throw asWorkerError(error, { ...ctx.failure, step: step.name });
    }
  }
}

export function step<C>(name: string, run: (ctx: C) => Promise<void>): Step<C> {
  return { name, run };
}
