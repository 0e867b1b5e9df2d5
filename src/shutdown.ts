/**
 * The daemon's stop, as a list of steps registered while it starts: they run once, in the reverse
 * order of their registration (what started last stops first, so the embedded Redis, started
 * first, stops last, after the last batch recorded its state), and every step runs despite the
 * failures of those before it (BullMQ's `Worker.close`).
 *
 * Every step has a deadline, so the stop always ends: a step that is late (Redis gone, a peer that
 * does not answer) is logged and left behind, and the next step runs.
 */
import { SETTLED, settleWithin } from './core/deadline.js';
import { messageOf } from './errors.js';

/** How long a step may take unless it says otherwise. */
export const STEP_TIMEOUT_MS = 5_000;

interface Step {
  readonly what: string;
  readonly run: () => Promise<unknown>;
  readonly timeoutMs: number;
}

/** Where a late or failed step is reported (the daemon's Logger is one). */
export interface ShutdownLog {
  warn(message: string): unknown;
}

export class Shutdown {
  readonly #logger: ShutdownLog;
  readonly #steps: Step[] = [];
  #running: Promise<void> | undefined;

  constructor(logger: ShutdownLog) {
    this.#logger = logger;
  }

  /**
   * Registers the step that undoes what was just started. Once the stop has begun, the step runs
   * at once instead: whatever started in the meantime must not outlive the stop.
   */
  add(what: string, run: () => Promise<unknown>, timeoutMs = STEP_TIMEOUT_MS): void {
    const step = { what, run, timeoutMs };
    if (this.#running === undefined) this.#steps.push(step);
    else void this.#runStep(step);
  }

  /** Runs the steps (once; later calls return the same promise). */
  run(): Promise<void> {
    this.#running ??= this.#runSteps();
    return this.#running;
  }

  async #runSteps(): Promise<void> {
    for (const step of [...this.#steps].reverse()) await this.#runStep(step);
  }

  async #runStep({ what, run, timeoutMs }: Step): Promise<void> {
    try {
      const settled = await settleWithin(run(), timeoutMs);
      if (settled === SETTLED.late) {
        this.#logger.warn(
          `stopping: ${what} did not finish within ${timeoutMs / 1000} s; going on without it`,
        );
      }
    } catch (error) {
      this.#logger.warn(`stopping: ${what} failed: ${messageOf(error)}`);
    }
  }
}
