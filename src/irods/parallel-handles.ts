/**
 * Opening parallel-write handles (`parallel_write_init`, irods-http-api.md §5.2.3), and what an
 * init whose answer was lost leaves behind.
 *
 * Such an init was carried out: the object is open for write (its replica intermediate, so every
 * other open is refused with HIERARCHY_ERROR, or INVALID_HANDLE on default builds, §5.2.6) and
 * its streams are reserved, under a handle that never reached the client. The API offers no way
 * to find a handle, and handles never expire; only a restart of the HTTP API ends them. Sending
 * the init again would be refused for good.
 *
 * The way out is iRODS's remedy for a replica stuck open: its status is set back in the catalog
 * (`modify_replica`, rodsadmin only, §5.2.18), to stale, since the open emptied it and it holds
 * nothing of the object any more. The object can then be opened again, and the upload that
 * follows writes it whole. The orphaned handle's streams stay reserved against the server's
 * stream budget until the HTTP API restarts; nothing a client can do frees them, and the uploader
 * falls back to sequential writes when that budget runs out (503).
 *
 * A replica is set back only where this client's own init may hold it open: before an init is
 * sent again after a lost answer, or (told through the `opening` event) by a later upload of the
 * file, which holds the file's lock. A writer outside the daemon that opened the object at that
 * moment would lose its lock; the daemon owns its target tree, and would overwrite that object
 * anyway.
 */
import { isIrodsError } from '../core/irods-codes.js';
import { FAILURE_LAYER, outcomeUnknown } from '../core/retry.js';
import type { DataObjects } from './data-objects.js';
import { IrodsError } from './errors.js';
import type { Session } from './session.js';
import { ENDPOINT, REPEAT } from './transport.js';

export const HANDLE_EVENTS = {
  /**
   * An init is about to be sent. If its answer is lost, it holds the object open under a handle
   * nobody knows (`UNKNOWN_HANDLE` stands for it): see `releaseUnknownHandle`.
   */
  opening: 'opening',
  /** The server opened the handle; nothing has been written through it yet. */
  opened: 'opened',
  /** Every try of the init was answered, without a handle: it holds nothing open. */
  unopened: 'unopened',
  /** The handle was shut down: the object is closed and its streams are free. */
  closed: 'closed',
} as const;
export type HandleEvent = (typeof HANDLE_EVENTS)[keyof typeof HANDLE_EVENTS];

/** What `opening` and `unopened` name in place of a handle not known. */
export const UNKNOWN_HANDLE = 'unknown';

/**
 * Told about each parallel-write handle of an upload; the upload waits for it. Handles never
 * expire on the server (§5.2.3), so a process that dies between `opening` and `closed` leaves the
 * object locked: the hook lets the caller remember the handle (or that an init went out without
 * an answer) somewhere that outlives the process, and shut it down (or release what it holds)
 * later. An `opened` hook that fails fails the upload (the handle is shut down first); the handle
 * is closed only once shutdown succeeded.
 */
export type HandleHook = (handle: string, event: HandleEvent) => Promise<void>;

/** A handle to open for an upload. */
export interface HandleRequest {
  readonly logicalPath: string;
  readonly streams: number;
  /** False for appends: the object is written in place. */
  readonly truncate: boolean;
  readonly resource: string | undefined;
  /** The upload's action, for messages. */
  readonly action: string;
  readonly onHandle: HandleHook | undefined;
}

/**
 * Opens a handle; undefined when the server's stream budget stays exhausted (503). Once a try may
 * have been carried out without an answer, what it holds is released before each further try: a
 * slow server may open the object for that try only after the next one was refused.
 */
export async function openHandle(
  session: Session,
  dataObjects: DataObjects,
  request: HandleRequest,
): Promise<string | undefined> {
  const { logicalPath, onHandle } = request;
  await onHandle?.(UNKNOWN_HANDLE, HANDLE_EVENTS.opening);
  let unanswered = false;
  let body;
  try {
    body = await session.transport.json({
      endpoint: ENDPOINT.dataObjects,
      method: 'POST',
      op: 'parallel_write_init',
      action: request.action,
      path: logicalPath,
      params: {
        lpath: logicalPath,
        'stream-count': String(request.streams),
        truncate: request.truncate ? undefined : '0',
        resource: request.resource,
      },
      repeat: REPEAT.always,
      alreadyDone: async (failure) => {
        unanswered ||= outcomeUnknown(failure);
        if (unanswered) await releaseUnknownHandle(dataObjects, logicalPath);
        return false;
      },
    });
  } catch (err) {
    const answered = err instanceof IrodsError && !outcomeUnknown(err);
    // Every try was answered, without a handle: nothing of this init holds the object. Otherwise
    // the `unknown` mark stays for the file's next upload (or delete) to release.
    if (answered && !unanswered) await onHandle?.(UNKNOWN_HANDLE, HANDLE_EVENTS.unopened);
    // The budget refused the init itself (not a lookup of the release): write sequentially.
    if (answered && err.op === 'parallel_write_init' && err.httpStatus === 503) return undefined;
    throw err;
  }
  const handle = body.parallel_write_handle;
  if (typeof handle !== 'string' || handle === '') {
    throw new IrodsError({
      op: 'parallel_write_init',
      action: request.action,
      path: logicalPath,
      layer: FAILURE_LAYER.client,
      reason: 'the answer has no parallel_write_handle',
    });
  }
  return handle;
}

/**
 * DATA_REPL_STATUS of the replicas an open for write holds: the one written (intermediate) and,
 * on servers that lock them so, the object's others (write-locked).
 */
const HELD_FOR_WRITE: ReadonlySet<number> = new Set([2, 4]);

/**
 * Sets every replica of the object held open for write back to stale, so that the object can be
 * opened again (see above); nothing when none is held. Needs a rodsadmin: a plain user gets an
 * error saying so, retryable, since a restart of the HTTP API may end the handle meanwhile.
 */
export async function releaseUnknownHandle(
  dataObjects: DataObjects,
  logicalPath: string,
): Promise<void> {
  const replicas = (await dataObjects.replicaFacts([logicalPath])).get(logicalPath) ?? [];
  for (const replica of replicas) {
    if (!HELD_FOR_WRITE.has(replica.status)) continue;
    try {
      await dataObjects.modifyReplica(
        logicalPath,
        { replicaNumber: replica.number },
        { status: 0 },
      );
    } catch (error) {
      if (!(error instanceof IrodsError)) throw error;
      if (!isIrodsError(error.irodsCode, 'CAT_INSUFFICIENT_PRIVILEGE_LEVEL')) throw error;
      throw new IrodsError({
        op: 'modify_replica',
        action: 'release of the replica held by a parallel-write handle whose answer was lost, of',
        path: logicalPath,
        layer: error.layer,
        irodsCode: error.irodsCode,
        reason:
          'the HTTP API can neither find nor close that handle, and only a rodsadmin may set the replica free: the object stays locked until the HTTP API restarts or an administrator resets the replica status',
        retryable: true,
        cause: error,
      });
    }
  }
}
