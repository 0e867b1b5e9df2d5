/**
 * The job's `file_timeout`: one file's action (its checks, hooks, transfer and record) gets this
 * long. When it runs over, the file fails retryably at once, and what is still running of the
 * action stops at its next step or upload chunk (each passes through a check here) without
 * recording anything; the retry first compares whatever part of it reached iRODS with the file
 * (the recheck mark left by batch-outcomes.ts).
 *
 * A request already on the wire is not cut: the iRODS client's own request deadline bounds it.
 */
import { unlessAborted } from '../core/deadline.js';
import type { WorkerDeps } from './context.js';
import { FileTimeoutError, type EntryFailure } from './errors.js';

export async function withinFileTimeout<T>(
  workerDeps: WorkerDeps,
  timeoutMs: number,
  failure: EntryFailure,
  run: (deps: WorkerDeps) => Promise<T>,
): Promise<T> {
  if (timeoutMs === 0) return run(workerDeps);
  const expiry = new AbortController();
  const stopIfExpired = () => expiry.signal.throwIfAborted();
  const { keepLock, record, wrap } = workerDeps;
  const deps: WorkerDeps = {
    ...workerDeps,
    keepLock: async (relPath) => {
      stopIfExpired();
      await keepLock?.(relPath);
    },
    wrap: async (name, ctx, next) => {
      stopIfExpired();
      await (wrap === undefined ? next() : wrap(name, ctx, next));
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
  const timer = setTimeout(() => expiry.abort(new FileTimeoutError(failure, timeoutMs)), timeoutMs);
  const action = run(deps);
  // Once the timeout struck, how the rest of the action ends is of no interest.
  action.catch(() => undefined);
  try {
    return await unlessAborted(action, expiry.signal);
  } finally {
    clearTimeout(timer);
  }
}
