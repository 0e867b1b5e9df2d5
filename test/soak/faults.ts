/**
 * The soak's faults, run in schedule order (schedule.ts), each recording when it happened and how
 * long the broken part took to come back.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Ingestd, LogEvent } from '../helpers/ingestd.js';
import { isRunning, startDaemon, workerSpec, type SoakRig } from './rig.js';
import { FAULTS, type ScheduledFault } from './schedule.js';
import { ctlJson } from './settle.js';
import type { DaemonStatus } from '../../src/control/wire.js';

/**
 * 5% of requests answered 503, 2% of connections dropped without an answer (before the request is
 * carried out), and 1% carried out with their answer lost (the connection cut after the work).
 */
const ERROR_RATES = { failRate: 0.05, status: 503, dropRate: 0.02, lostAnswerRate: 0.01 };
/** How long a restarted part may take to be back before the soak gives up on it. */
const BACK_WITHIN_MS = 180_000;

export interface FaultRecord {
  readonly name: string;
  /** ms from the start of the writing phase. */
  readonly atMs: number;
  /** What happened and how long recovery took, for the summary. */
  readonly note: string;
}

export class FaultRunner {
  readonly #rig: SoakRig;
  readonly #say: (text: string) => void;
  /** Times (ms since the epoch) of every kill -9 of a daemon. */
  readonly kills: number[] = [];
  readonly records: FaultRecord[] = [];
  daemon: Ingestd;
  worker: Ingestd | undefined;
  /** Daemons removed during the run: stopped, kept for their logs until the end. */
  readonly removed: Ingestd[] = [];
  #errorsOn = false;

  constructor(rig: SoakRig, daemon: Ingestd, say: (text: string) => void) {
    this.#rig = rig;
    this.daemon = daemon;
    this.#say = say;
  }

  /** Runs every fault at its time after `startedAt`; resolves when the last one is done. */
  async run(schedule: readonly ScheduledFault[], startedAt: number): Promise<void> {
    for (const item of schedule) {
      await sleep(Math.max(0, startedAt + item.atMs - Date.now()));
      this.#say(`fault: ${FAULTS[item.fault]}`);
      const began = Date.now();
      const note = await this.#inject(item);
      this.records.push({ name: FAULTS[item.fault], atMs: began - startedAt, note });
      this.#say(`fault: ${FAULTS[item.fault]}: ${note}`);
    }
  }

  /** Ends the error rates (before the daemon is left to settle). */
  async clearErrors(): Promise<void> {
    this.#errorsOn = false;
    await this.#rig.emulator.clearFaults();
  }

  async #inject({ fault, forMs }: ScheduledFault): Promise<string> {
    const { emulator, redis } = this.#rig;
    switch (fault) {
      case 'irodsErrors':
        this.#errorsOn = true;
        await emulator.setFaults(ERROR_RATES);
        return `for ${seconds(forMs)} (until the writers stop)`;
      case 'workerAdded': {
        const began = Date.now();
        const worker = await startDaemon(workerSpec(this.#rig.daemonSpec));
        this.worker = worker;
        await worker.waitFor(isRunning, BACK_WITHIN_MS);
        // It has no [[job]]: each job's definition must reach it through Redis.
        const names = this.#rig.jobs.map((job) => job.name);
        for (const name of names) await worker.waitFor(worksQueueOf(name), BACK_WITHIN_MS);
        return `running after ${seconds(Date.now() - began)}, working ${names.join(' and ')}`;
      }
      case 'daemonKilled1':
      case 'daemonKilled2': {
        const began = Date.now();
        this.kills.push(began);
        const back = nextEvent(this.daemon, isRunning);
        await this.daemon.kill();
        await this.daemon.restart();
        await back;
        return `running again after ${seconds(Date.now() - began)}`;
      }
      case 'irodsDown':
        return this.#outage(forMs);
      case 'redisRestarted': {
        const began = Date.now();
        await redis.restart();
        await this.#daemonSeesRedis();
        return `daemon connected again after ${seconds(Date.now() - began)}`;
      }
      case 'workerRemoved': {
        if (this.worker === undefined) return 'no worker was running';
        const code = await this.worker.stop();
        this.removed.push(this.worker);
        this.worker = undefined;
        return `stopped with SIGTERM, exit ${code}`;
      }
    }
  }

  /**
   * iRODS is gone for `forMs`: new connections are refused, and every request on a connection
   * the daemon already had is dropped without an answer, as when the server goes down. The
   * catalog, the vault and the content log stay (the process lives on).
   */
  async #outage(forMs: number): Promise<string> {
    const { emulator } = this.#rig;
    await emulator.setFaults({ refuseForMs: forMs, dropRate: 1 });
    await sleep(forMs);
    const began = Date.now();
    // The control route is refused too until the emulator listens again.
    for (;;) {
      try {
        if (this.#errorsOn) await emulator.setFaults(ERROR_RATES);
        else await emulator.clearFaults();
        return `for ${seconds(forMs)}, listening again ${seconds(Date.now() - began)} later`;
      } catch {
        await sleep(100);
      }
    }
  }

  async #daemonSeesRedis(): Promise<void> {
    const deadline = Date.now() + BACK_WITHIN_MS;
    while (Date.now() < deadline) {
      const status = await ctlJson<DaemonStatus>(this.daemon.socket, ['status']).catch(
        () => undefined,
      );
      if (status?.redis.connected === true) return;
      await sleep(250);
    }
    throw new Error('the daemon did not reconnect to the restarted Redis');
  }
}

/** The first log event after this call that `match` accepts. */
function nextEvent(daemon: Ingestd, match: (event: LogEvent) => boolean): Promise<LogEvent> {
  const earlier = new Set(daemon.logs);
  return daemon.waitFor((event) => !earlier.has(event) && match(event), BACK_WITHIN_MS);
}

export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

/** The worker-role daemon took up the job `name` from its definition in Redis. */
function worksQueueOf(name: string): (event: { message: string }) => boolean {
  return (event) => event.message.startsWith(`job ${name}: working its queue`);
}
