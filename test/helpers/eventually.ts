import { setTimeout as sleep } from 'node:timers/promises';

export interface EventuallyOptions {
  /** A generous deadline: reaching it is a failure, never a measurement. */
  timeoutMs?: number;
  intervalMs?: number;
}

/**
 * Polls `check` until it returns something other than undefined or false, and returns that; fails
 * naming `what` after the deadline (a function, to describe the state at that moment). The one
 * way tests wait for the daemon, the emulator or a server to get somewhere: no test asserts how
 * long it took.
 */
export async function eventually<T>(
  what: string | (() => string),
  check: () => Promise<T | undefined | false> | T | undefined | false,
  { timeoutMs = 60_000, intervalMs = 100 }: EventuallyOptions = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) {
      const described = typeof what === 'string' ? what : what();
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${described}`);
    }
    await sleep(intervalMs);
  }
}
