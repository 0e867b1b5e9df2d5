/**
 * What the delete-safety tests (issue 11) share: ctl against a test daemon, the daemon's metrics,
 * and a directory on a file system other than the temporary one (what a mounted source looks like
 * from its mount point).
 */
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Ingestd, LogEvent } from '../../helpers/ingestd.js';
import { runCtl, type CtlResult } from '../control/run-ctl.js';
import { scrape, valueOf } from '../metrics/fixture.js';

export function ctl(daemon: Ingestd, ...args: string[]): Promise<CtlResult> {
  return runCtl(['--socket', daemon.socket, ...args]);
}

/** The JSON answer of a ctl command that must succeed. */
export async function ctlJson<T>(daemon: Ingestd, ...args: string[]): Promise<T> {
  const result = await ctl(daemon, '--json', ...args);
  if (result.code !== 0) {
    throw new Error(`irods-ingestctl ${args.join(' ')} exited ${result.code}: ${result.stderr}`);
  }
  return JSON.parse(result.stdout) as T;
}

/** What the safety tests read of a job's status. */
export interface SafetyStatus {
  name: string;
  state: string;
  pass: number;
  refused?: { reason: string; since: string };
  heldDeletes?: { entries: number; paths: number; limit: number; tracked: number };
}

export function jobStatus(daemon: Ingestd, job: string): Promise<SafetyStatus> {
  return ctlJson<SafetyStatus>(daemon, 'job', job);
}

/** A port nobody listens on now, for `daemon.metrics_listen`. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** One sample of the daemon's metrics, or undefined when it is not exposed. */
export async function metric(
  port: number,
  name: string,
  labels: Record<string, string>,
): Promise<number | undefined> {
  const { samples } = await scrape(`http://127.0.0.1:${port}/metrics`);
  return valueOf(samples, name, labels);
}

/**
 * A new directory on another file system than the temporary directory's, or undefined when
 * this machine has none at hand; removed by `cleanUp`.
 */
export async function otherDeviceDir(): Promise<{ dir: string; cleanUp: () => Promise<void> }> {
  const home = (await stat(tmpdir())).dev;
  for (const candidate of ['/dev/shm', '/run/shm', '/var/tmp']) {
    try {
      if ((await stat(candidate)).dev === home) continue;
      const dir = await mkdtemp(join(candidate, 'ingest-mount-'));
      return { dir, cleanUp: () => rm(dir, { recursive: true, force: true }) };
    } catch {
      // Not there or not writable: try the next.
    }
  }
  throw new Error('no writable directory on a second file system (tried /dev/shm, /var/tmp)');
}

/** Log events of `job` at warn whose message contains `text`. */
export function warnings(daemon: Ingestd, job: string, text: string): LogEvent[] {
  return daemon.logs.filter(
    (e) => e.job === job && e.level === 'warn' && String(e.message).includes(text),
  );
}

/** Whether `e` says a pass of `job` was refused. */
export const refusal = (job: string) => (e: LogEvent) =>
  e.job === job && String(e.message).startsWith(`job ${job}: pass refused`);
