/** Composition root of the emulator: config, catalog, shared state, routes and the server. */
import { TokenStore } from './auth.js';
import { Catalog } from './catalog.js';
import { buildConfig } from './config.js';
import { ContentLog } from './content-log.js';
import { Faults } from './faults.js';
import { collectionOps } from './ops/collections.js';
import { dataObjectOps } from './ops/data-objects.js';
import { headerWrite } from './ops/data-write.js';
import { authenticate, info, ruleOps, zoneOps } from './ops/misc.js';
import { queryOps } from './ops/query.js';
import { resourceOps } from './ops/resources.js';
import { ticketOps } from './ops/tickets.js';
import { usersGroupsOps } from './ops/users-groups.js';
import { listen, type ApiRoutes } from './server.js';
import type { EmulatorState } from './state.js';
import { ParallelWrites } from './parallel-writes.js';
import { closeWrite } from './write-session.js';

export interface EmulatorServerOptions {
  /** 0 picks a free port. */
  readonly port: number;
  /** Default 127.0.0.1. */
  readonly host?: string;
  /** Catalog and vault directory; created if missing. */
  readonly root: string;
  /** Overrides deep-merged over the defaults of config.ts. */
  readonly config?: unknown;
}

export interface RunningEmulator {
  /** API base URL with the version prefix. */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  /** Stops listening, closes open parallel writes and writes a snapshot. Runs once. */
  close(): Promise<void>;
}

const API: ApiRoutes = {
  routes: {
    collections: collectionOps,
    'data-objects': dataObjectOps,
    query: queryOps,
    resources: resourceOps,
    rules: ruleOps,
    tickets: ticketOps,
    'users-groups': usersGroupsOps,
    zones: zoneOps,
  },
  authenticate,
  info,
  headerWrite,
};

export async function startEmulatorServer(
  options: EmulatorServerOptions,
): Promise<RunningEmulator> {
  const config = buildConfig(options.config ?? {});
  const host = options.host ?? '127.0.0.1';
  const catalog = Catalog.open({
    root: options.root,
    zone: config.irods_client.zone,
    adminName: config.irods_client.proxy_admin_account.username,
    adminPassword: config.irods_client.proxy_admin_account.password,
    defaultResource: config.irods_client.default_resource,
    resources: config.emulator.resources,
    compactionThreshold: config.emulator.journal_compaction_threshold,
  });
  const state: EmulatorState = {
    config,
    catalog,
    tokens: new TokenStore(
      config.http_server.authentication.basic.timeout_in_seconds * 1000,
      config.http_server.authentication.eviction_check_interval_in_seconds * 1000,
    ),
    writes: new ParallelWrites(),
    faults: new Faults(),
    counters: { requests: 0, dataWrites: 0, dataBytes: 0, delayed: 0, ops: new Map() },
    contentLog: new ContentLog(),
  };
  const server = await listen(state, API, host, options.port);
  let closing: Promise<void> | undefined;
  const shutdown = async () => {
    // Every step runs even if an earlier one fails, so the snapshot is written regardless.
    const failures: unknown[] = [];
    const attempt = (step: () => void) => {
      try {
        step();
      } catch (error) {
        failures.push(error);
      }
    };
    await server.close().catch((error: unknown) => failures.push(error));
    for (const session of state.writes.sessions()) {
      await closeWrite(catalog, session).catch((error: unknown) => failures.push(error));
    }
    attempt(() => state.tokens.close());
    attempt(() => catalog.close());
    if (failures.length > 0) throw new AggregateError(failures, 'emulator shutdown failed');
  };
  return {
    url: `http://${host}:${server.port}/irods-http-api/${config.emulator.version}`,
    host,
    port: server.port,
    close() {
      closing ??= shutdown();
      return closing;
    },
  };
}
