/**
 * Waiting with a limit, for the stop paths. A stop must end whatever state the connections are in:
 * a command to a Redis that is gone waits for ever (ioredis keeps it queued for a reconnect that
 * never comes, and BullMQ's close waits on such commands). A wait that runs late is left behind,
 * not cancelled: the daemon goes on with the next step, and the process exits after the last one.
 */
export const SETTLED = { done: 'done', late: 'late' } as const;
export type Settled = (typeof SETTLED)[keyof typeof SETTLED];

/**
 * Resolves `done` once `work` settles within `ms` (rejecting as `work` does), or `late` after
 * `ms`. The timer is cleared either way, so a stop that is on time is not held up by it.
 */
export async function settleWithin(work: Promise<unknown>, ms: number): Promise<Settled> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<Settled>((resolve) => {
    timer = setTimeout(() => resolve(SETTLED.late), Math.max(0, ms));
  });
  try {
    return await Promise.race([work.then(() => SETTLED.done), late]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * `work`'s outcome, unless `signal` aborts first: then rejects with the signal's reason. For waits
 * of a start-up that a stop request must be able to cut short (the start's own cleanup then
 * undoes whatever `work` still finishes).
 */
export function unlessAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
