/**
 * Calling into handler code without trusting it: a member that throws synchronously, rejects,
 * or never settles fails the call (and so the entry it was made for), never the daemon. A call
 * that runs late is left behind, not cancelled (JavaScript cannot stop it); whatever it does
 * later is ignored, its rejection included.
 */
import { HANDLER_ERROR_CODE, HandlerError, thrownBy } from './errors.js';

/**
 * Longest a policy member (operation, resource, ...) may take: they decide, they should not
 * wait on much. Passes call `operation` for every changed file.
 */
export const POLICY_CALL_LIMIT_MS = 30_000; // 30 s
/** Longest a hook may take when the file has no `timeout` of its own. */
export const HOOK_CALL_LIMIT_MS = 10 * 60_000; // 10 min

export async function callWithin<T>(
  member: string,
  call: () => T | Promise<T>,
  limitMs: number,
): Promise<T> {
  const work = (async () => call())();
  work.catch(() => undefined);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      const message = `${member} did not finish within ${Math.round(limitMs / 100) / 10} s`;
      reject(new HandlerError(HANDLER_ERROR_CODE.timedOut, member, message, { retryable: true }));
    }, limitMs);
  });
  try {
    return await Promise.race([work, late]);
  } catch (error) {
    throw thrownBy(member, error);
  } finally {
    clearTimeout(timer);
  }
}
