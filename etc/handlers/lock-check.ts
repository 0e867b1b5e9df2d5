/**
 * Example handler: wait for the writer. An instrument that holds `NAME.lock` beside a file while
 * it writes it (`run.raw` and `run.raw.lock`) is still busy with it: the file is refused with a
 * retryable error, and tried again every half minute until the lock is gone (for about an hour;
 * after that it is listed as failed, and the next pass tries again). Lock files themselves are
 * never ingested.
 *
 * Enable it with `handler = "/etc/irods-ingest/handlers/lock-check.ts"` in a job.
 */
import { access } from 'node:fs/promises';
import type { FileInfo, Handler, HookContext } from 'irods-ingest/handler';

/** How often a locked file is looked at again, and how many times. */
const RETRY_EVERY_MS = 30_000; // 30 s
const TRIES = 120;

async function locked(file: FileInfo): Promise<boolean> {
  return access(`${file.path}.lock`).then(
    () => true,
    () => false,
  );
}

async function refuseWhileLocked({ file }: HookContext): Promise<void> {
  if (await locked(file)) {
    throw Object.assign(new Error(`${file.name}.lock is still there: the file is being written`), {
      retryable: true,
    });
  }
}

export default {
  operation: (file) => (file.name.endsWith('.lock') ? 'none' : undefined),
  maxAttempts: () => TRIES,
  retryDelay: () => RETRY_EVERY_MS,
  preDataObjCreate: refuseWhileLocked,
  preDataObjModify: refuseWhileLocked,
} satisfies Handler;
