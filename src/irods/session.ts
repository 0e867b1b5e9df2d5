import type { ResolvedOptions } from './options.js';
import type { ApiTransport } from './transport.js';
import type { ServerInfo } from './types.js';

/** What every group of operations shares: the transport, the options and the server's limits. */
export interface Session {
  readonly transport: ApiTransport;
  readonly options: ResolvedOptions;
  /** The limits read by `connect()`; throws when the client is not connected. */
  serverInfo(): ServerInfo;
}
