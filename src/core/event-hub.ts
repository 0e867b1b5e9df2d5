/**
 * The daemon's live events (`GET /v1/events`): published by the jobs and the daemon, delivered
 * to every subscriber (the control socket's event stream). In core/, free of I/O, so that both
 * the jobs and the control side may use it. A subscriber that does not keep up loses the oldest events beyond its
 * buffer (and is told how many), so a stuck client never holds the daemon's memory.
 */

/** One line of `GET /v1/events`. */
export interface DaemonEvent {
  /** ISO 8601. */
  at: string;
  kind: 'pass-started' | 'pass-done' | 'job-state' | 'file-failed' | 'reload' | 'log';
  job?: string;
  message: string;
  /** Kind-specific details (the counters for pass-done, the path for file-failed, ...). */
  data?: Record<string, unknown>;
}

const BUFFER = 1000;

export class EventHub {
  readonly #subscribers = new Set<(event: DaemonEvent) => void>();

  publish(
    kind: DaemonEvent['kind'],
    message: string,
    extra: { job?: string; data?: Record<string, unknown> } = {},
  ): void {
    this.deliver({ at: new Date().toISOString(), kind, message, ...extra });
  }

  /** Hands `event` as it is to every subscriber (publish stamps the time itself). */
  deliver(event: DaemonEvent): void {
    for (const deliver of this.#subscribers) deliver(event);
  }

  /** Events from now until `signal` aborts. */
  async *subscribe(signal: AbortSignal): AsyncGenerator<DaemonEvent> {
    const buffer: DaemonEvent[] = [];
    let dropped = 0;
    let wake: (() => void) | undefined;
    const deliver = (event: DaemonEvent) => {
      if (buffer.length >= BUFFER) {
        buffer.shift();
        dropped += 1;
      }
      buffer.push(event);
      wake?.();
    };
    const onAbort = () => wake?.();
    this.#subscribers.add(deliver);
    signal.addEventListener('abort', onAbort);
    try {
      while (!signal.aborted) {
        if (dropped > 0) {
          const message = `${dropped} event(s) dropped: this reader fell behind`;
          dropped = 0;
          yield { at: new Date().toISOString(), kind: 'log', message };
        }
        const next = buffer.shift();
        if (next !== undefined) {
          yield next;
          continue;
        }
        await new Promise<void>((resolve) => (wake = resolve));
        wake = undefined;
      }
    } finally {
      this.#subscribers.delete(deliver);
      signal.removeEventListener('abort', onAbort);
    }
  }
}
