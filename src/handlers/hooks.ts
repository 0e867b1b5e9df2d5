/**
 * Running a job's hooks: around each action on a data object or collection (`pre`/`post` +
 * event), and around each pass. Hooks get the daemon's logger with the job and path attached,
 * and the narrow iRODS handle. A hook runs within the file's `timeout` when it has one (the
 * caller bounds the whole action), else within HOOK_CALL_LIMIT_MS.
 */
import type { JobConfig } from '../config/index.js';
import type { Counts } from '../core/counters.js';
import type { IrodsClient } from '../irods/index.js';
import type { Logger } from '../log.js';
import { HOOK_CALL_LIMIT_MS } from './call.js';
import { irodsHandle } from './irods-handle.js';
import type { HookEvent } from './members.js';
import type { SiteHandler } from './site-handler.js';
import type { FileInfo, GoneEntry, HandlerLog, IrodsHandle, JobInfo, PassCounts } from './types.js';

/** What the workers call around an action; nothing runs for hooks the module lacks. */
export interface ActionHooks {
  /** Before anything is sent to iRODS for the entry; throwing fails it (HandlerError). */
  before(event: HookEvent, file: FileInfo | GoneEntry, path: string): Promise<void>;
  /** After the action succeeded. */
  after(event: HookEvent, file: FileInfo | GoneEntry, path: string): Promise<void>;
  /** The same hooks, each call limited to `ms` (an entry's `timeout`, which bounds them all). */
  within(ms: number): ActionHooks;
}

export class HandlerHooks implements ActionHooks {
  readonly #handler: SiteHandler;
  readonly #job: JobConfig;
  readonly #client: IrodsClient;
  readonly #logger: Logger;
  readonly #irods: IrodsHandle;
  readonly #limitMs: number;

  constructor(
    handler: SiteHandler,
    job: JobConfig,
    client: IrodsClient,
    logger: Logger,
    limitMs = HOOK_CALL_LIMIT_MS,
  ) {
    this.#handler = handler;
    this.#job = job;
    this.#client = client;
    this.#logger = logger;
    this.#irods = irodsHandle(client);
    this.#limitMs = limitMs;
  }

  within(ms: number): HandlerHooks {
    return new HandlerHooks(this.#handler, this.#job, this.#client, this.#logger, ms);
  }

  before(event: HookEvent, file: FileInfo | GoneEntry, path: string): Promise<void> {
    return this.#run(`pre${event}`, file, path);
  }

  after(event: HookEvent, file: FileInfo | GoneEntry, path: string): Promise<void> {
    return this.#run(`post${event}`, file, path);
  }

  async #run(member: `${'pre' | 'post'}${HookEvent}`, file: FileInfo | GoneEntry, path: string) {
    if (!this.#handler.has(member)) return;
    const job: JobInfo = this.#job;
    const logger = this.#logger;
    const ctx = {
      job,
      file,
      path,
      irods: this.#irods,
      get log(): HandlerLog {
        return logger.child({ job: job.name, path });
      },
    };
    // The member's own context type differs by event; the module was checked to have it.
    await this.#handler.call(member, this.#limitMs, ctx as never);
  }
}

/** Runs `prePass` or `postPass` (errors are the caller's: a failed prePass fails the pass). */
export async function passHook(
  handler: SiteHandler,
  side: 'prePass' | 'postPass',
  job: JobConfig,
  pass: number,
  counts: Counts,
  logger: Logger,
): Promise<void> {
  if (!handler.has(side)) return;
  const log = logger.child({ job: job.name, pass });
  await handler.call(side, HOOK_CALL_LIMIT_MS, {
    job,
    pass,
    counts: { ...counts } satisfies PassCounts,
    log,
  });
}
