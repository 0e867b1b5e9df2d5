/**
 * The one catalogue of error codes, and the base class of every error the daemon and ctl raise on
 * purpose. A code is stable: tests, logs, metrics and callers match on it, never on the message.
 * Codes are spelled in upper snake case and grouped by the part that raises them; the context of
 * one failure (path, job, iRODS code, errno) travels as fields of the subclass, and the
 * underlying error, if any, as the standard `cause`.
 *
 * The codes that cross the control socket carry `status` (the HTTP status of the answer) and
 * `wire`: their spelling in the answer's JSON, `{ "error": { "code", "message" } }`. Those are
 * the control API's documented codes (README "Controlling the daemon"), a contract that does not
 * follow the catalogue's spelling.
 *
 * This module imports nothing, so that every folder may import it (style.md, "Our layout").
 */
export const ERROR_CODES = {
  // Start-up, configuration and the daemon's own services.
  /** The configuration files have problems; the error lists each with its file and line. */
  CONFIG_INVALID: {},
  /** The daemon was told to stop while it was still starting. */
  DAEMON_STOPPED: {},
  /** The embedded redis-server could not be started, or died and could not be restarted. */
  EMBEDDED_REDIS: {},
  /** Telling systemd about the daemon's state (sd_notify) failed. */
  SD_NOTIFY: {},
  /** The metrics endpoint cannot listen where `daemon.metrics_listen` says. */
  METRICS_LISTEN: {},

  // Persistence (src/state/).
  /** A value in Redis cannot be read as what the schema says it is. */
  STATE_CORRUPT: {},
  /** A relative path cannot be used as an entry of the state (empty, `.`, `..`, ...). */
  STATE_PATH: {},
  /** A file's lock lapsed while its action ran; another worker may hold it now. */
  STATE_LOCK_LOST: {},
  /** The Redis layout is newer than this daemon, or its migration failed. */
  STATE_SCHEMA: {},

  // Sources (src/sources/).
  /** The source root is missing, not a directory, or cannot be listed. */
  SCAN_ROOT_UNREADABLE: {},
  /** The scan thread died (a bug or resource exhaustion, not a file system condition). */
  SCAN_WORKER_FAILED: {},
  SCAN_INVALID_OPTION: {},
  /** Unwinds a scan thread's walk once its consumer stopped; never leaves the thread. */
  SCAN_STOPPED: {},
  /** The stat thread (ctime and inode reads off the event loop) failed or exited. */
  STAT_THREAD_FAILED: {},
  /** An S3 credentials file is unusable (missing, world-readable, no such profile). */
  S3_CREDENTIALS: {},
  /** A page of an S3 listing could not be read. */
  S3_LISTING_FAILED: {},
  /** A HEAD or GET of an S3 object failed. */
  S3_REQUEST_FAILED: {},
  /** An S3 object changed while it was read (another ETag or size than the one decided on). */
  S3_OBJECT_CHANGED: {},

  // Names (src/core/names.ts).
  /** Even with every element shortened, the logical path is too long for iRODS. */
  UNMAPPABLE_PATH: {},

  // The iRODS client (src/irods/), one code per kind of failure.
  /** No HTTP response: connection refused or dropped, timeout. */
  IRODS_TRANSPORT: {},
  /** The server answered with an HTTP status other than 200. */
  IRODS_HTTP_STATUS: {},
  /** HTTP 200 with a negative `irods_response.status_code`. */
  IRODS_STATUS: {},
  /** The user name or password was refused, or a fresh token was refused at once. */
  IRODS_AUTHENTICATION: {},
  /** The answer could not be understood (not the JSON the op returns). */
  IRODS_BAD_RESPONSE: {},
  /** The request cannot be expressed through the HTTP API (e.g. `+` in a GET parameter). */
  IRODS_UNSUPPORTED: {},
  /** The iRODS checksum after an upload differs from the local SHA-256. */
  IRODS_CHECKSUM_MISMATCH: {},
  /** The local file changed size while it was being uploaded. */
  IRODS_SOURCE_CHANGED: {},
  /** The server reported success but the expected effect is not there. */
  IRODS_NO_EFFECT: {},
  /** The client was used before `connect()` or after `close()`/`destroy()`. */
  IRODS_CLIENT_STATE: {},
  /** A client option that cannot be used; thrown by the constructor. */
  IRODS_INVALID_OPTION: {},

  // Workers (src/worker/errors.ts): why an action on one entry failed.
  /** An iRODS request or a local file operation failed. */
  WORKER_ACTION_FAILED: {},
  /** The source file changed while it was being sent; it is processed again later. */
  WORKER_SOURCE_CHANGED: {},
  /**
   * A file the listing named is gone, and the source root is not the one recorded for the job
   * (missing, another directory, without its marker): the source is not mounted where the worker
   * runs. Nothing is decided from it; the file is tried again later.
   */
  WORKER_SOURCE_UNAVAILABLE: {},
  /** The iRODS checksum differs from the local SHA-256 (checksum = "verify"). */
  WORKER_CHECKSUM_MISMATCH: {},
  /** A delete was asked for the job's target collection itself, or for a path outside it. */
  WORKER_TARGET_PROTECTED: {},
  /** The source path is not valid UTF-8, so the HTTP API cannot carry it as a physical path. */
  WORKER_UNREGISTRABLE_PATH: {},
  /** A swapped entry's old copy (collection or object) stays in iRODS where the new one goes. */
  WORKER_IN_THE_WAY: {},
  /**
   * The run lost the file's lock during the action: it stopped, and what it may have written is
   * checked against the file on the next try.
   */
  WORKER_LOCK_LOST: {},
  /**
   * The file's action took longer than the job's `file_timeout` or its handler's `timeout`: it was
   * stopped, and the file is tried again (what it may have written is checked against the file first).
   */
  WORKER_FILE_TIMEOUT: {},
  /**
   * The job's event handler refused the entry: a hook threw (retried only when its error says
   * `retryable`), or a policy member returned what cannot be used (a target path outside the
   * job's target, ...).
   */
  WORKER_HANDLER_FAILED: {},

  // Event handlers (src/handlers/).
  /** A handler member threw or rejected. */
  HANDLER_THREW: {},
  /** A handler member did not settle within its time limit. */
  HANDLER_TIMED_OUT: {},
  /** A handler's policy member returned something the daemon cannot use. */
  HANDLER_BAD_RESULT: {},
  /** The job names a handler that this daemon has not loaded. */
  HANDLER_NOT_LOADED: {},

  // Passes (src/sync/).
  /** A pass was refused before any decision: the source root is missing, unmounted or replaced. */
  SYNC_PASS_REFUSED: {},

  // The control socket's server (src/control/).
  /** Another process answers on the control socket's path. */
  CONTROL_SOCKET_IN_USE: {},
  /** The control socket's path holds something that is not a socket. */
  CONTROL_SOCKET_NOT_A_SOCKET: {},
  /** The control socket's directory or the socket cannot be created or bound. */
  CONTROL_SOCKET_UNUSABLE: {},
  /** A client closed the connection before its request was complete: nobody to answer. */
  CONTROL_CLIENT_GONE: {},

  // The answers of the control API (src/control/): the codes that cross the socket.
  /** The request is malformed or a field is invalid (the message names the field). */
  BAD_REQUEST: { status: 400, wire: 'bad-request' },
  /**
   * The admin's config does not allow it: an ad-hoc job while daemon.adhoc_sources or
   * daemon.adhoc_targets is empty, or one reaching outside them or daemon.handler_dirs.
   */
  FORBIDDEN: { status: 403, wire: 'forbidden' },
  /**
   * On the read-only socket (daemon.status_socket), which serves the GET routes of monitoring
   * only; everything else goes through the control socket.
   */
  READ_ONLY: { status: 403, wire: 'read-only' },
  /** No such job or route. */
  NOT_FOUND: { status: 404, wire: 'not-found' },
  /** The route exists but not for this method (the answer has an `Allow` header). */
  METHOD_NOT_ALLOWED: { status: 405, wire: 'method-not-allowed' },
  /** The request did not arrive in time (slow or stalled client). */
  TIMEOUT: { status: 408, wire: 'timeout' },
  /** The job exists already, or is in a state that does not allow the action. */
  CONFLICT: { status: 409, wire: 'conflict' },
  /** 413 for a body over the limit; 431 for headers over Node's limit. */
  TOO_LARGE: { status: 413, wire: 'too-large' },
  /** The daemon failed in a way it did not foresee; the message says what it was doing. */
  INTERNAL: { status: 500, wire: 'internal' },
  /** The daemon is stopping or not ready. */
  UNAVAILABLE: { status: 503, wire: 'unavailable' },

  // irods-ingestctl (src/ctl/).
  /** The command line is wrong; ctl exits 2 with its usage. */
  CTL_USAGE: {},
  /** No connection to the control socket could be made; ctl exits 3. */
  DAEMON_UNREACHABLE: {},
  /** The connection broke, timed out, or the daemon's answer was not JSON. */
  CONTROL_PROTOCOL: {},
  /** The daemon answered with an error code this ctl does not know (a newer daemon). */
  CONTROL_UNKNOWN_ANSWER: {},
} as const satisfies Record<string, { status?: number; wire?: string }>;

export type ErrorCode = keyof typeof ERROR_CODES;

/** The codes that cross the control socket: those with an HTTP status and a wire spelling. */
export type AnswerCode = {
  [C in ErrorCode]: (typeof ERROR_CODES)[C] extends { wire: string } ? C : never;
}[ErrorCode];

/** The catalogue's code for a code as the control API spells it, if it is one of ours. */
export function answerCodeOf(wire: string): AnswerCode | undefined {
  for (const [code, entry] of Object.entries(ERROR_CODES)) {
    if ('wire' in entry && entry.wire === wire) return code as AnswerCode;
  }
  return undefined;
}

/**
 * Base of every error raised on purpose. Subclasses add the context of one failure as fields;
 * a subclass of its own is worth it when it carries such fields or control-flow meaning.
 */
export class IngestError extends Error {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/**
 * The message of whatever was thrown: an Error's own, else the value as text; a Redis refusing
 * writes (redisRefusal) is explained, since it reaches nearly every caller's message the same way.
 */
export function messageOf(error: unknown): string {
  return redisRefusal(error) ?? (error instanceof Error ? error.message : String(error));
}

/**
 * Redis up and answering but refusing every write: at its memory limit under `noeviction`, unable
 * to write its AOF or snapshot (a full disk), or a read-only replica. Nothing the daemon retries
 * gets through until an operator acts, so workers wait instead of failing batch after batch.
 */
const REFUSALS: readonly (readonly [string, string])[] = [
  ['OOM ', 'raise its maxmemory, or free memory in it'],
  ['MISCONF ', 'is the disk of its data directory full?'],
  ['READONLY ', 'redis.url must lead to the primary, not a replica'],
];

/**
 * Why Redis refused a write, with what to do about it, or undefined when `error` is something
 * else: a reply of Redis (ioredis' ReplyError), so that another error whose text happens to begin
 * the same way is left as it is. A transaction's EXECABORT carries the refusal among its
 * `previousErrors`.
 */
export function redisRefusal(error: unknown): string | undefined {
  const previous =
    error instanceof Error ? (error as { previousErrors?: unknown[] }).previousErrors : [];
  const causes = [error, ...(previous ?? [])];
  for (const cause of causes) {
    if (!(cause instanceof Error) || cause.name !== 'ReplyError') continue;
    for (const [prefix, remedy] of REFUSALS) {
      if (!cause.message.startsWith(prefix)) continue;
      // A script's error goes on with where in the script it arose: no help to an operator.
      const said = cause.message.replace(/\.?( script: .*)?$/s, '');
      return `Redis refuses writes (${said}): ${remedy}`;
    }
  }
  return undefined;
}

/**
 * Longest message kept where a message is stored or shown for long (a file's failure record, a
 * job's status): what a handler throws or a server answers can be megabytes.
 */
export const MAX_KEPT_MESSAGE = 1_000;

/**
 * `text` cut to `max` characters, the cut marked: safe to put into an answer, a log line or a
 * record when a request, a handler or a server can make it arbitrarily long. A cut never splits
 * a character outside the BMP (an emoji in a file name) into half a surrogate pair.
 */
export function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = max - 1;
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end -= 1;
  return `${text.slice(0, end)}…`;
}
