/**
 * The iRODS client the ingest workers use: one connection pool and one token per client, the
 * server's limits read once by `connect()`, and the operations grouped by what they act on.
 *
 * ```ts
 * const irods = new IrodsClient({ url, username, password });
 * await irods.connect();
 * await irods.collections.ensure('/tempZone/home/rods/run1');
 * const { sha2 } = await irods.upload('/data/run1/a.tif', '/tempZone/home/rods/run1/a.tif');
 * await irods.dataObjects.verifyChecksum('/tempZone/home/rods/run1/a.tif', sha2);
 * await irods.close();
 * ```
 */
import { LruSet } from '../core/lru-set.js';
import { Access } from './access.js';
import { FAILURE_LAYER } from '../core/retry.js';
import { Collections } from './collections.js';
import { DataObjects } from './data-objects.js';
import { IrodsError } from './errors.js';
import { parseServerInfo } from './info.js';
import { Metadata } from './metadata.js';
import { releaseUnknownHandle } from './parallel-handles.js';
import { resolveOptions, type IrodsClientOptions, type ResolvedOptions } from './options.js';
import { GenQuery } from './query.js';
import type { Session } from './session.js';
import { ApiTransport, type TransportCounters } from './transport.js';
import type { ServerInfo, UploadResult } from './types.js';
import type { OpenedSource } from '../core/byte-source.js';
import { Uploader, type UploadOptions } from './upload.js';

export class IrodsClient {
  /** What the client's own user may do (resources, user type, groups). */
  readonly access: Access;
  readonly collections: Collections;
  readonly dataObjects: DataObjects;
  readonly metadata: Metadata;
  readonly query: GenQuery;
  readonly #options: ResolvedOptions;
  readonly #transport: ApiTransport;
  readonly #uploader: Uploader;
  #info: ServerInfo | undefined;
  #closing: Promise<void> | undefined;

  /** Checks the options (throws `IrodsOptionError`); sends nothing until `connect()`. */
  constructor(options: IrodsClientOptions) {
    this.#options = resolveOptions(options);
    this.#transport = new ApiTransport(this.#options, options.password);
    const session: Session = {
      transport: this.#transport,
      options: this.#options,
      serverInfo: () => this.serverInfo,
    };
    this.query = new GenQuery(session);
    this.access = new Access(session);
    this.collections = new Collections(
      session,
      this.query,
      new LruSet(this.#options.collectionCacheSize),
    );
    this.dataObjects = new DataObjects(session, this.query);
    this.metadata = new Metadata(session, this.query);
    this.#uploader = new Uploader(session, this.dataObjects);
  }

  /**
   * Reads `GET /info` (a 404 there means a wrong URL or version prefix, and the error says so with
   * the URL), keeps the server's limits, then logs in once so bad credentials show up here.
   */
  async connect(): Promise<ServerInfo> {
    this.#info = parseServerInfo(await this.#transport.info(), this.#options.url);
    await this.#transport.authenticate();
    return this.#info;
  }

  /** The limits read by `connect()`. */
  get serverInfo(): ServerInfo {
    if (this.#info === undefined) {
      throw new IrodsError({
        op: 'info',
        action: `use of the iRODS client for ${this.#options.url}`,
        layer: FAILURE_LAYER.client,
        code: 'IRODS_CLIENT_STATE',
        reason: 'connect() has not completed',
        retryable: false,
      });
    }
    return this.#info;
  }

  /** Requests, retries and logins so far. */
  get counters(): TransportCounters {
    return this.#transport.counters;
  }

  /**
   * Uploads a local file, or an opened source such as a streamed S3 object, to `logicalPath`
   * (created or replaced); see upload.ts.
   */
  async upload(
    localPath: string | Buffer | OpenedSource,
    logicalPath: string,
    options?: UploadOptions,
  ): Promise<UploadResult> {
    return this.#uploader.upload(localPath, logicalPath, options);
  }

  /** Sends the bytes of a local file from `fromOffset` on into the existing object. */
  async append(
    localPath: string | Buffer,
    logicalPath: string,
    fromOffset: number,
    options?: UploadOptions,
  ): Promise<UploadResult> {
    return this.#uploader.append(localPath, logicalPath, fromOffset, options);
  }

  /** Shuts down a parallel-write handle an earlier, unfinished upload left open (upload.ts). */
  async shutdownParallelWrite(handle: string, logicalPath: string): Promise<void> {
    return this.#uploader.shutdownHandle(handle, logicalPath);
  }

  /**
   * Sets free the object a parallel-write init of an earlier upload may hold open under a handle
   * never learnt (its answer was lost): see parallel-handles.ts. Needs a rodsadmin.
   */
  async releaseUnknownHandle(logicalPath: string): Promise<void> {
    return releaseUnknownHandle(this.dataObjects, logicalPath);
  }

  /** Lets requests in flight finish, then closes the connections. Runs once. */
  async close(): Promise<void> {
    this.#closing ??= this.#transport.close();
    return this.#closing;
  }

  /** Aborts requests in flight and closes the connections at once. */
  async destroy(): Promise<void> {
    this.#closing = this.#transport.destroy();
    return this.#closing;
  }
}
