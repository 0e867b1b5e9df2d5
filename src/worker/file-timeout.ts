/**
 * A file's time limit: the job's `file_timeout`, or the `timeout` its event handler chose for it.
 * One file's action (its checks, hooks, transfer and record) gets this long, and its hooks may
 * take all of it. When it runs over, the file fails retryably at once, and what is still running
 * of the action stops at its next step (runSteps checks the signal), lock renewal or upload chunk,
 * without recording anything; the retry first compares whatever part of it reached iRODS with the
 * file (the recheck mark left by batch-outcomes.ts).
 *
 * A request already on the wire is not cut: the iRODS client's own request deadline bounds it.
 */
import { unlessAborted } from '../core/deadline.js';
import type { WorkerDeps } from './context.js';
import { FileTimeoutError, type EntryFailure, type TimeLimit } from './errors.js';

/** The longest delay a Node timer takes: a longer one would overflow and fire at once. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export async function withinFileTimeout<T>(
  workerDeps: WorkerDeps,
  limit: TimeLimit | undefined,
  failure: EntryFailure,
  run: (deps: WorkerDeps) => Promise<T>,
): Promise<T> {
  if (limit === undefined) return run(workerDeps);
  const expiry = new AbortController();
  const stopIfExpired = () => expiry.signal.throwIfAborted();
  const { keepLock, record, hooks } = workerDeps;
  const deps: WorkerDeps = {
    ...workerDeps,
    signal: expiry.signal,
    ...(hooks === undefined ? {} : { hooks: hooks.within(limit.ms) }),
    keepLock: async (relPath) => {
      stopIfExpired();
      await keepLock?.(relPath);
    },
    ...(record === undefined
      ? {}
      : {
          record: async (relPath, state) => {
            stopIfExpired();
            await record(relPath, state);
          },
        }),
  };
  const timer = setTimeout(
    () => expiry.abort(new FileTimeoutError(failure, limit)),
    Math.min(limit.ms, MAX_TIMER_MS),
  );
  const action = run(deps);
  // Once the timeout struck, how the rest of the action ends is of no interest.
  action.catch(() => undefined);
  try {
    return await unlessAborted(action, expiry.signal);
  } finally {
    clearTimeout(timer);
  }
}
