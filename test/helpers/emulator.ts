import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { ContentEntry } from '../emulator/content-log.js';
import { startChild, type ServiceChild } from './child.js';

const projectRoot = resolve(import.meta.dirname, '../..');
const emulatorMain = join(projectRoot, 'test/emulator/main.ts');

/** Fault injection settings; see test/emulator/faults.ts for their exact meaning. */
export interface FaultSpec {
  /** Share (0..1) of API requests answered with `status` instead of being processed. */
  failRate?: number;
  /** Status for failed requests: 500 or 503 (default 503). */
  status?: number;
  /** Share (0..1) of API requests whose connection is destroyed without a response. */
  dropRate?: number;
  /** Share (0..1) of API requests carried out in full whose answer is lost (connection cut). */
  lostAnswerRate?: number;
  /** Added delay before each API request is processed, in ms. */
  latencyMs?: number;
  /** Stop listening for this long (connections are refused), then listen again on the same port. */
  refuseForMs?: number;
  /** Only requests whose `op` (or header-form op) is in this list are affected; default all. */
  ops?: string[];
}

export interface TestEmulator {
  /** API base URL with the version prefix, e.g. http://127.0.0.1:PORT/irods-http-api/0.7.0 */
  readonly url: string;
  /** http://127.0.0.1:PORT */
  readonly origin: string;
  readonly port: number;
  /** The emulator's --root: catalog, vault and its files live here. */
  readonly root: string;
  setFaults(spec: FaultSpec): Promise<void>;
  clearFaults(): Promise<void>;
  /** Counters the emulator keeps for tests (open parallel-write handles, requests served, ...). */
  stats(): Promise<Record<string, number>>;
  /** Requests served so far per route and op, e.g. `{ "collections:rename": 1 }`. */
  requestsByOp(): Promise<Record<string, number>>;
  /**
   * The requests that gave each data object new content, by logical path, oldest first (see
   * test/emulator/content-log.ts). Empty again after `restart()`.
   */
  writes(): Promise<Record<string, ContentEntry[]>>;
  /** Kills the process (SIGKILL) and starts it again on the same port and root. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

export interface EmulatorOptions {
  /** Emulator config (same keys as test/emulator/config.ts), merged over its defaults. */
  config?: Record<string, unknown>;
  /** Use this root instead of a new temporary one (it is then not removed by stop()). */
  root?: string;
}

/** Starts `scripts/irods-emulator`'s program as a child process on a free port. */
export async function startEmulator(options: EmulatorOptions = {}): Promise<TestEmulator> {
  const ownRoot = options.root === undefined;
  const root = options.root ?? (await mkdtemp(join(tmpdir(), 'ingest-irods-')));
  const args = ['--import', 'tsx', emulatorMain, '--root', root];
  if (options.config) {
    const configFile = join(root, 'emulator-config.json');
    await writeFile(configFile, JSON.stringify(options.config));
    args.push('--config', configFile);
  }
  const ready = /listening on (http:\/\/127\.0\.0\.1:(\d+)(\/\S*))/;
  const launch = async (port: number) => {
    const { child, match } = await startChild(
      process.execPath,
      [...args, '--port', String(port)],
      ready,
    );
    return { child, url: match[1]!, port: Number(match[2]) };
  };
  let running: { child: ServiceChild; url: string; port: number } = await launch(0);
  const { url, port } = running;
  const origin = `http://127.0.0.1:${port}`;

  const control = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${origin}/_emulator/${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!res.ok)
      throw new Error(
        `emulator ${method} /_emulator/${path}: HTTP ${res.status} ${await res.text()}`,
      );
    return res;
  };

  return {
    url,
    origin,
    port,
    root,
    async setFaults(spec) {
      await control('POST', 'faults', spec);
    },
    async clearFaults() {
      await control('DELETE', 'faults');
    },
    async stats() {
      const { requests_by_op: _, ...counters } = (await (await control('GET', 'stats')).json()) as {
        requests_by_op: unknown;
      } & Record<string, number>;
      return counters;
    },
    async requestsByOp() {
      const stats = (await (await control('GET', 'stats')).json()) as {
        requests_by_op: Record<string, number>;
      };
      return stats.requests_by_op;
    },
    async writes() {
      return (await (await control('GET', 'writes')).json()) as Record<string, ContentEntry[]>;
    },
    async restart() {
      await running.child.kill();
      running = await launch(port);
    },
    async stop() {
      await running.child.stop();
      if (ownRoot) await rm(root, { recursive: true, force: true });
    },
  };
}
