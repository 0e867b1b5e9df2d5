/**
 * The one place that builds Redis connections, for the daemon's own commands and for BullMQ's
 * queues and workers alike, in one of three topologies:
 *
 * - standalone: the embedded server's socket, a unix:// URL, or redis:// and rediss:// (TLS)
 *   with an optional database number;
 * - sentinel: the master that a set of Redis Sentinels name, followed through failovers;
 * - cluster: a Redis Cluster, found from any of its nodes.
 *
 * The password comes only from its file (config), never from a URL, which the config loader
 * refuses to carry one; nothing here puts it in a message.
 *
 * On a Cluster every key of the daemon lies under `{key_prefix}`: the braces are a hash tag, so
 * all keys of one daemon's prefix (state, BullMQ queues, schema) map to one hash slot and every
 * Lua script, MULTI and multi-key command stays on one node. Elsewhere the prefix is used as
 * configured, so an existing site's keys keep their names.
 */
import { Cluster, Redis, type RedisOptions } from 'ioredis';
import { parseRedisNode, type RedisNode } from '../core/endpoint-rules.js';

export const REDIS_TOPOLOGIES = {
  standalone: 'standalone',
  sentinel: 'sentinel',
  cluster: 'cluster',
} as const;
export type RedisTopology = (typeof REDIS_TOPOLOGIES)[keyof typeof REDIS_TOPOLOGIES];

/** A connection of either kind; they share every command the daemon sends. */
export type RedisClient = Redis | Cluster;

/** The options the daemon sets; retryStrategy stays ioredis' own (BullMQ types it narrower). */
type ConnectionOptions = Omit<RedisOptions, 'retryStrategy'>;

/** What BullMQ's Queue and Worker take as `connection`; see RedisConnector.bullConnection. */
export type BullConnection = ConnectionOptions | Cluster;

/** The `[redis]` settings, with "embedded" already replaced by the embedded server's URL. */
export interface RedisSettings {
  readonly url: string;
  readonly key_prefix: string;
  readonly sentinels?: readonly string[] | undefined;
  readonly sentinel_master?: string | undefined;
  readonly cluster_nodes?: readonly string[] | undefined;
  readonly password?: string | undefined;
}

export class RedisConnector {
  readonly topology: RedisTopology;
  /** The prefix every key lies under: `key_prefix`, or `{key_prefix}` on a Cluster. */
  readonly keyPrefix: string;
  /**
   * Where the other topology would have put the keys of `key_prefix`: state found there was
   * written by a daemon configured for it (schema.ts refuses it rather than start afresh).
   */
  readonly otherLayoutPrefix: string;
  /** Where the connection goes, for the log (never the password). */
  readonly description: string;
  readonly #options: ConnectionOptions;
  readonly #clusterNodes: readonly RedisNode[];

  constructor(settings: RedisSettings) {
    const common: ConnectionOptions = {
      ...(settings.password === undefined ? {} : { password: settings.password }),
      // BullMQ's blocking connections need commands to wait for a reconnect rather than fail.
      maxRetriesPerRequest: null,
    };
    const tagged = `{${settings.key_prefix}}`;
    if (settings.cluster_nodes !== undefined) {
      this.topology = REDIS_TOPOLOGIES.cluster;
      this.#clusterNodes = settings.cluster_nodes.map(node);
      this.#options = common;
      this.keyPrefix = tagged;
      this.otherLayoutPrefix = settings.key_prefix;
      this.description = `the Redis Cluster of ${settings.cluster_nodes.join(', ')}`;
      return;
    }
    this.#clusterNodes = [];
    this.keyPrefix = settings.key_prefix;
    this.otherLayoutPrefix = tagged;
    if (settings.sentinels !== undefined) {
      this.topology = REDIS_TOPOLOGIES.sentinel;
      this.#options = {
        ...common,
        sentinels: settings.sentinels.map(node),
        name: settings.sentinel_master!,
        // Hear a failover from the sentinels at once rather than at the next broken command.
        failoverDetector: true,
      };
      this.description = `master "${settings.sentinel_master}" of the sentinels ${settings.sentinels.join(', ')}`;
      return;
    }
    this.topology = REDIS_TOPOLOGIES.standalone;
    this.#options = { ...common, ...standaloneOptions(settings.url) };
    this.description = settings.url;
  }

  /** A new connection, not connected yet: connect() it, and quit() it when done. */
  client(): RedisClient {
    if (this.topology !== REDIS_TOPOLOGIES.cluster) {
      return new Redis({ ...this.#options, lazyConnect: true });
    }
    return new Cluster(
      this.#clusterNodes.map((n) => ({ ...n })),
      {
        lazyConnect: true,
        redisOptions: this.#options,
      },
    );
  }

  /**
   * For BullMQ's `connection`: connection options (BullMQ then opens and closes its own
   * connections), or on a Cluster, which BullMQ cannot open from options, a Cluster client of
   * the caller's. Hand it to releaseBullConnection once the queue or worker is closed.
   */
  bullConnection(): BullConnection {
    if (this.topology !== REDIS_TOPOLOGIES.cluster) return { ...this.#options };
    return new Cluster(
      this.#clusterNodes.map((n) => ({ ...n })),
      {
        redisOptions: this.#options,
      },
    );
  }
}

/** Ends a connection bullConnection handed out (options need nothing). */
export function releaseBullConnection(connection: BullConnection): void {
  if (connection instanceof Cluster) connection.disconnect();
}

function node(text: string): RedisNode {
  // The config loader checked every address.
  return parseRedisNode(text)!;
}

function standaloneOptions(url: string): ConnectionOptions {
  const parsed = new URL(url);
  const user = parsed.username === '' ? {} : { username: decodeURIComponent(parsed.username) };
  if (parsed.protocol === 'unix:') return { ...user, path: decodeURIComponent(parsed.pathname) };
  const db = parsed.pathname.replace(/^\//, '');
  return {
    ...user,
    host: parsed.hostname,
    port: parsed.port === '' ? 6379 : Number(parsed.port),
    ...(db === '' ? {} : { db: Number(db) }),
    ...(parsed.protocol === 'rediss:' ? { tls: {} } : {}),
  };
}
