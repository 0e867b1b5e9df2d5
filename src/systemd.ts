/**
 * Telling systemd how the daemon is doing (sd_notify(3)): READY, STATUS, RELOADING, STOPPING
 * and WATCHDOG. Inert outside systemd: without $NOTIFY_SOCKET every verb resolves at once.
 *
 * Node cannot send the AF_UNIX datagram sd_notify needs (no SOCK_DGRAM unix sockets), so each
 * verb runs the systemd-notify binary with the fields as `VAR=VALUE` arguments; no native
 * addon. Consequences the unit has to know about:
 * - The datagram comes from systemd-notify's PID when the daemon is not root, so the unit needs
 *   NotifyAccess=all (main would drop it).
 * - systemd-notify waits (up to 5 s) until systemd has processed the message (BARRIER=1, systemd
 *   >= 246); `--no-block` is not used because it brings back the race that barrier fixes.
 * - A run costs about 30 ms: fine for state changes and a watchdog ping every 30 s, never per
 *   file.
 *
 * Verbs never block the event loop and never reject: a failed run is reported to `onError`.
 * Notifications leave in the order the verbs were called (one systemd-notify at a time), so a
 * READY sent after RELOADING cannot overtake it.
 */
import { execFile } from 'node:child_process';
import { hrtime } from 'node:process';
import { IngestError, messageOf } from './errors.js';

export type Environment = Readonly<Record<string, string | undefined>>;

/** Runs systemd-notify with `args` and `env`; rejects when it cannot run or fails. */
export type RunNotify = (args: readonly string[], env: Environment) => Promise<void>;

export class NotifyError extends IngestError {
  /** The `VAR=VALUE` fields that were not delivered. */
  readonly fields: readonly string[];

  constructor(fields: readonly string[], options: { cause: unknown }) {
    const reason = messageOf(options.cause);
    super('SD_NOTIFY', `telling systemd ${fields.join(' ')} failed: ${reason}`, options);
    this.fields = fields;
  }
}

export interface NotifierOptions {
  /** Our process id: the watchdog is ours only when $WATCHDOG_PID is unset or equal to it. */
  readonly pid: number;
  /** Told about every notification that could not be sent. */
  readonly onError?: (error: NotifyError) => void;
  /** @defaultValue runs `systemd-notify` from $PATH, with a 10 s timeout */
  readonly run?: RunNotify;
}

export interface Notifier {
  /** True under systemd with Type=notify ($NOTIFY_SOCKET set). */
  readonly enabled: boolean;
  /**
   * How often to call watchdog(): half of WatchdogSec=, in milliseconds; undefined when the
   * unit has no watchdog or it watches another process.
   */
  readonly watchdogIntervalMs: number | undefined;
  /** Start-up (or a reload) is complete. */
  ready(status?: string): Promise<void>;
  /** Free text shown by `systemctl status`. */
  status(text: string): Promise<void>;
  /** A reload began; follow it with ready() (also after a rejected reload: the old config runs). */
  reloading(status?: string): Promise<void>;
  /** Shutdown began. */
  stopping(status?: string): Promise<void>;
  /** The daemon is healthy; only call it after a real health check (see startWatchdog). */
  watchdog(): Promise<void>;
}

/** The `VAR=VALUE` arguments for systemd-notify; newlines would end a field early. */
export function notifyArguments(fields: Readonly<Record<string, string | undefined>>): string[] {
  return Object.entries(fields)
    .filter((entry): entry is [string, string] => entry[1] !== undefined)
    .map(([name, value]) => `${name}=${value.replace(/[\r\n]+/g, ' ')}`);
}

/** Half of $WATCHDOG_USEC in milliseconds, when the watchdog is on and meant for `pid`. */
export function watchdogInterval(env: Environment, pid: number): number | undefined {
  const usec = Number(env.WATCHDOG_USEC);
  if (!Number.isSafeInteger(usec) || usec <= 0) return undefined;
  const target = env.WATCHDOG_PID;
  if (target !== undefined && target !== '' && Number(target) !== pid) return undefined;
  return Math.max(1, Math.floor(usec / 2000));
}

/** CLOCK_MONOTONIC in microseconds, as RELOADING=1 wants it in MONOTONIC_USEC. */
function monotonicUsec(): string {
  return String(hrtime.bigint() / 1000n);
}

const runSystemdNotify: RunNotify = (args, env) =>
  new Promise((resolve, reject) => {
    execFile('systemd-notify', [...args], { env, timeout: 10_000 }, (error, _stdout, stderr) => {
      if (error === null) resolve();
      else reject(stderr.trim() === '' ? error : new Error(stderr.trim(), { cause: error }));
    });
  });

export function createNotifier(env: Environment, options: NotifierOptions): Notifier {
  const socket = env.NOTIFY_SOCKET;
  const enabled = socket !== undefined && socket !== '';
  const run = options.run ?? runSystemdNotify;
  let queue: Promise<void> = Promise.resolve();
  let watchdogQueued = false;

  const send = (fields: Readonly<Record<string, string | undefined>>): Promise<void> => {
    if (!enabled) return Promise.resolve();
    const args = notifyArguments(fields);
    queue = queue.then(() =>
      run(args, env).catch((cause: unknown) => options.onError?.(new NotifyError(args, { cause }))),
    );
    return queue;
  };

  return {
    enabled,
    watchdogIntervalMs: enabled ? watchdogInterval(env, options.pid) : undefined,
    ready: (status) => send({ READY: '1', STATUS: status }),
    status: (text) => send({ STATUS: text }),
    reloading: (status) =>
      send({ RELOADING: '1', MONOTONIC_USEC: monotonicUsec(), STATUS: status }),
    stopping: (status) => send({ STOPPING: '1', STATUS: status }),
    watchdog() {
      // A ping still waiting behind a slow one says nothing new: skip it.
      if (watchdogQueued) return queue;
      watchdogQueued = true;
      return send({ WATCHDOG: '1' }).finally(() => (watchdogQueued = false));
    },
  };
}

export interface WatchdogOptions {
  /**
   * Resolves to undefined when the daemon is healthy (say: Redis answers PING, the workers are
   * not wedged), else to the reason it is not. A check that has not settled within the
   * interval counts as unhealthy.
   */
  readonly check: () => Promise<string | undefined>;
  /** Told when a check failed and the ping was withheld. */
  readonly onUnhealthy?: (reason: string) => void;
}

export interface Watchdog {
  stop(): void;
}

/**
 * Pings the watchdog every notifier.watchdogIntervalMs, but only after `check` passed: a ping
 * from a bare timer would only prove that the event loop runs. When checks keep failing for
 * WatchdogSec, systemd kills the daemon and Restart= starts it again. Does nothing when the
 * unit has no watchdog. The timer does not keep the process alive.
 */
export function startWatchdog(notifier: Notifier, options: WatchdogOptions): Watchdog {
  const intervalMs = notifier.watchdogIntervalMs;
  if (intervalMs === undefined) return { stop: () => undefined };
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;

  const tick = async () => {
    const reason = await checkWithin(options.check, intervalMs);
    if (stopped) return;
    if (reason === undefined) await notifier.watchdog();
    else options.onUnhealthy?.(reason);
    if (!stopped) schedule();
  };
  const schedule = () => {
    timer = setTimeout(() => void tick(), intervalMs);
    timer.unref();
  };
  schedule();
  return {
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}

async function checkWithin(
  check: () => Promise<string | undefined>,
  ms: number,
): Promise<string | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<string>((resolve) => {
    timer = setTimeout(() => resolve(`health check did not finish within ${ms} ms`), ms);
  });
  try {
    return await Promise.race([
      check().catch((error: unknown) =>
        error instanceof Error ? error.message : `health check failed: ${String(error)}`,
      ),
      late,
    ]);
  } finally {
    clearTimeout(timer);
  }
}
