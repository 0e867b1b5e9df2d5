/** The emulator's shared state and the op handler contract. */
import type { Principal } from './acl.js';
import type { TokenStore } from './auth.js';
import type { Catalog } from './catalog.js';
import type { ContentLog } from './content-log.js';
import type { EmulatorConfig } from './config.js';
import type { Faults } from './faults.js';
import type { Reply, RequestParams } from './http.js';
import type { ParallelWrites } from './parallel-writes.js';

export interface EmulatorState {
  readonly config: EmulatorConfig;
  readonly catalog: Catalog;
  readonly tokens: TokenStore;
  readonly writes: ParallelWrites;
  readonly faults: Faults;
  readonly counters: {
    requests: number;
    dataWrites: number;
    /** Bytes those writes put into data objects. */
    dataBytes: number;
    delayed: number;
    readonly ops: Map<string, number>;
  };
  /** Requests that gave an object new content, per logical path (content-log.ts). */
  readonly contentLog: ContentLog;
}

/** Everything an op handler needs: the shared state, the caller, its inputs and its reply. */
export interface OpContext {
  readonly state: EmulatorState;
  readonly params: RequestParams;
  readonly who: Principal;
  readonly reply: Reply;
}

export type OpHandler = (ctx: OpContext) => void | Promise<void>;

/**
 * The ops of one route by HTTP method. A method left out is not routed (405); an op missing from
 * a routed method is "unknown" (400).
 */
export interface RouteOps {
  readonly GET?: Readonly<Record<string, OpHandler>>;
  readonly POST?: Readonly<Record<string, OpHandler>>;
}
