/**
 * Waiting for the daemon to settle once the writers stopped, through `irods-ingestctl` as an
 * operator would: each round asks every job for a rescan and waits for a pass that started after
 * the request to end with nothing queued. Deletes that max_delete held (a renamed directory with
 * most of the tree in it looks like a mass delete) are released with `allow-deletes`, and
 * reported. The daemon has settled when such a pass found nothing
 * left to do (no new, updated or deleted entries) for every job; failures are the end checks'
 * business.
 */
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import type { DaemonStatus, FailureList, JobStatus } from '../../src/control/wire.js';

const ctlMain = resolve(import.meta.dirname, '../../dist/ctl.js');
const run = promisify(execFile);

/** Runs the built `irods-ingestctl --socket SOCKET --json ARGS` and parses its answer. */
export async function ctlJson<T>(socket: string, args: readonly string[]): Promise<T> {
  const { stdout } = await run(process.execPath, [ctlMain, '--socket', socket, '--json', ...args], {
    maxBuffer: 256 * 1024 * 1024,
  });
  return JSON.parse(stdout) as T;
}

export interface SettleOutcome {
  /** Rescan rounds it took; the last found nothing to do. */
  readonly rounds: number;
  readonly ms: number;
  /** Deletes max_delete held, released with `allow-deletes` as an operator would: "job: N entries". */
  readonly released: string[];
}

const isQuiet = (job: JobStatus, requestedAt: number) =>
  job.state !== 'running' &&
  job.queued === 0 &&
  job.passStartedAt !== undefined &&
  job.passEndedAt !== undefined &&
  Date.parse(job.passStartedAt) >= requestedAt &&
  Date.parse(job.passEndedAt) >= Date.parse(job.passStartedAt);

const foundWork = (job: JobStatus) =>
  job.current.new + job.current.updated + job.current.deleted > 0;

export async function settle(
  socket: string,
  jobs: readonly string[],
  timeoutMs: number,
  say: (text: string) => void,
): Promise<SettleOutcome> {
  const started = Date.now();
  const released: string[] = [];
  for (let round = 1; ; round++) {
    // Pass start times have one-second resolution at worst; allow for it.
    const requestedAt = Date.now() - 1_000;
    for (const job of jobs) await ctlJson(socket, ['rescan', job]);
    let status: DaemonStatus;
    for (;;) {
      if (Date.now() - started > timeoutMs) {
        throw new Error(`the daemon did not settle within ${Math.round(timeoutMs / 1000)} s`);
      }
      await sleep(2_000);
      status = await ctlJson<DaemonStatus>(socket, ['status']).catch(() => undefined as never);
      if (status === undefined) continue;
      const ours = status.jobs.filter((job) => jobs.includes(job.name));
      if (ours.length === jobs.length && ours.every((job) => isQuiet(job, requestedAt))) break;
    }
    const held = status.jobs.filter((job) => jobs.includes(job.name) && job.heldDeletes);
    for (const job of held) {
      say(
        `settle round ${round}: ${job.name} holds ${job.heldDeletes!.entries} deletes; allowing them`,
      );
      released.push(`${job.name}: ${job.heldDeletes!.entries} entries`);
      await ctlJson(socket, ['allow-deletes', job.name]);
    }
    const busy = status.jobs.filter((job) => jobs.includes(job.name) && foundWork(job));
    if (busy.length === 0 && held.length === 0) {
      return { rounds: round, ms: Date.now() - started, released };
    }
    say(
      `settle round ${round}: ${busy
        .map((job) => `${job.name} pass ${job.pass} still found ${JSON.stringify(job.current)}`)
        .join('; ')}`,
    );
  }
}

/** Every entry of a job's failure list. */
export async function failuresOf(socket: string, job: string): Promise<FailureList['failures']> {
  const list = await ctlJson<FailureList>(socket, ['failures', job, '--limit', '10000']);
  return list.failures;
}
