/**
 * When each fault of the soak happens, scaled to the length of its writing phase: a 2-minute soak
 * injects every fault a 20-minute one does, with a shorter iRODS outage. Times are ms from the
 * start of the writing phase.
 */

export const FAULTS = {
  irodsErrors:
    'iRODS answering 5% of requests with 503, dropping 2% of connections and losing 1% of answers',
  workerAdded: 'worker-role daemon added',
  daemonKilled1: 'daemon killed with -9 and restarted (1)',
  irodsDown: 'iRODS down',
  redisRestarted: 'Redis killed and restarted',
  daemonKilled2: 'daemon killed with -9 and restarted (2)',
  workerRemoved: 'worker-role daemon removed',
} as const;
export type Fault = keyof typeof FAULTS;

export interface ScheduledFault {
  readonly fault: Fault;
  readonly atMs: number;
  /** How long the fault lasts (the outage, the error rates); 0 for one-off events. */
  readonly forMs: number;
}

/** The outage of a 20-minute soak; shorter runs get a proportionally shorter one, at least 5 s. */
const OUTAGE_MS = 30_000;
const FULL_RUN_MS = 20 * 60_000;

export function faultSchedule(writingMs: number): ScheduledFault[] {
  const at = (share: number) => Math.round(writingMs * share);
  const outageMs = Math.max(5_000, Math.min(OUTAGE_MS, (OUTAGE_MS * writingMs) / FULL_RUN_MS));
  const errorsFrom = at(0.05);
  return [
    { fault: 'irodsErrors', atMs: errorsFrom, forMs: writingMs - errorsFrom },
    { fault: 'workerAdded', atMs: at(0.1), forMs: 0 },
    { fault: 'daemonKilled1', atMs: at(0.25), forMs: 0 },
    { fault: 'irodsDown', atMs: at(0.4), forMs: outageMs },
    { fault: 'redisRestarted', atMs: at(0.55), forMs: 0 },
    { fault: 'daemonKilled2', atMs: at(0.7), forMs: 0 },
    { fault: 'workerRemoved', atMs: at(0.85), forMs: 0 },
  ];
}
