/**
 * One run of the daemon (daemon.ts): what stops it (a stop request, a failure it cannot run
 * through), its exit code, and its stop, which runs once (shutdown.ts).
 *
 * Before start-up is complete a stop only aborts `signal`, which cuts the start's waits short; the
 * start then undoes itself. Afterwards it runs the shutdown steps.
 */
import { settleWithin, unlessAborted } from './core/deadline.js';
import { IngestError } from './errors.js';
import type { Logger } from './log.js';
import { Shutdown, STEP_TIMEOUT_MS } from './shutdown.js';
import type { Notifier } from './systemd.js';

/** The start-up was cut short by a stop request; what it had started is stopped again. */
export class DaemonStoppedError extends IngestError {
  constructor(options?: { cause?: unknown }) {
    super('DAEMON_STOPPED', 'stopped while starting', options);
  }
}

export interface DaemonRunOptions {
  readonly logger: Logger;
  readonly notifier: Notifier;
  /** The stop request. */
  readonly signal: AbortSignal;
}

export class DaemonRun {
  readonly shutdown: Shutdown;
  readonly finished: Promise<number>;
  /** Aborted when the daemon stops, for whatever reason: cuts start-up waits short. */
  readonly #halt = new AbortController();
  readonly #options: DaemonRunOptions;
  #resolveFinished: (code: number) => void = () => undefined;
  #running = false;
  #stopping: Promise<void> | undefined;
  /** Why the daemon gave up, when it did; its exit code is then 1. */
  failure: Error | undefined;

  constructor(options: DaemonRunOptions) {
    this.#options = options;
    this.shutdown = new Shutdown(options.logger);
    this.finished = new Promise((resolve) => (this.#resolveFinished = resolve));
    const onStopRequest = () => this.#halted(new DaemonStoppedError());
    if (options.signal.aborted) onStopRequest();
    else options.signal.addEventListener('abort', onStopRequest, { once: true });
  }

  /** Aborted when the daemon stops. */
  get signal(): AbortSignal {
    return this.#halt.signal;
  }

  /** The daemon gave up: Redis lost for good, iRODS refused it. Batches get no grace. */
  get gaveUp(): boolean {
    return this.failure !== undefined;
  }

  /** `work`, unless the daemon is stopped first (start-up waits). */
  unlessStopped<T>(work: Promise<T>): Promise<T> {
    return unlessAborted(work, this.#halt.signal);
  }

  /** Start-up is complete: from now on a halt stops the daemon (before, the start undoes itself). */
  started(): void {
    this.#running = true;
    if (this.#halt.signal.aborted) void this.stop();
  }

  /** Stops the daemon because of `error`, with exit code 1 (unless it was stopping anyway). */
  fail(error: Error): void {
    if (this.#stopping !== undefined || this.failure !== undefined) {
      this.#options.logger.error(error.message);
      return;
    }
    this.failure = error;
    this.#options.logger.error(`${error.message}; stopping`);
    this.#halted(error);
  }

  stop(): Promise<void> {
    this.#halt.abort(new DaemonStoppedError());
    this.#stopping ??= (async () => {
      const { notifier } = this.#options;
      await settleWithin(
        notifier.stopping('stopping: in-flight work finishes first'),
        STEP_TIMEOUT_MS,
      );
      await this.shutdown.run();
      this.#resolveFinished(this.failure === undefined ? 0 : 1);
    })();
    return this.#stopping;
  }

  #halted(reason: Error): void {
    this.#halt.abort(reason);
    if (this.#running) void this.stop();
  }
}
