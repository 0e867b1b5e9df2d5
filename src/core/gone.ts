/**
 * The one rule for "this path is gone": which errno of a stat, open or listing means nothing is
 * at the path any more, as opposed to something being there that cannot be looked at.
 *
 * - ENOENT: nothing by that name.
 * - ENOTDIR: a directory on the way to it is no longer a directory (replaced by a file), so
 *   nothing can be at the path either.
 *
 * Everything else (EACCES, ELOOP, EIO, ENAMETOOLONG, ...) leaves the entry where it was: it is
 * unreadable, listed as failed, and never taken for a delete. The scanner, the watcher's look
 * and the worker's checks before and after a transfer all ask this one question, so a file
 * whose parent directory was swapped for a file is gone everywhere, never a permanent failure
 * in one place and a delete in another.
 */
export const GONE_ERRNOS: ReadonlySet<string> = new Set(['ENOENT', 'ENOTDIR']);

/** Whether an errno code (`error.code` of a failed file operation) means the path is gone. */
export function isGoneErrno(code: unknown): boolean {
  return typeof code === 'string' && GONE_ERRNOS.has(code);
}

/** `isGoneErrno` of a thrown value's `code`; false for anything that carries none. */
export function isGoneError(error: unknown): boolean {
  return (
    typeof error === 'object' && error !== null && isGoneErrno((error as { code?: unknown }).code)
  );
}
