/** Data-object operations other than uploads (irods-http-api.md §5.2). */
import { compareChecksums, CHECKSUM_VERDICT } from '../core/checksum.js';
import { isIrodsError } from '../core/irods-codes.js';
import { baseName, parentPath } from '../core/logical-path.js';
import { FAILURE_LAYER } from '../core/retry.js';
import { IrodsError } from './errors.js';
import { checkPath, checkSeconds } from './paths.js';
import type { GenQuery } from './query.js';
import type { Session } from './session.js';
import { replicaFacts, type ReplicaFacts } from './replica-facts.js';
import { statDataObject } from './stat.js';
import { ENDPOINT, REPEAT, type ApiCall } from './transport.js';
import {
  REMOVAL,
  type ChecksumComparison,
  type DataObjectStat,
  type RegisterOptions,
  type Removal,
} from './types.js';

/** Which replica `modifyReplica` changes. */
export type ReplicaSelector = { replicaNumber: number } | { resourceHierarchy: string };

/** Catalog facts of a replica `modifyReplica` can set; absent ones stay as they are. */
export interface ReplicaChanges {
  size?: number;
  /** `sha2:...`, or "" to clear a checksum that no longer matches the file. */
  checksum?: string;
  /** Seconds since the epoch. */
  modifiedAt?: number;
  /** 0 stale, 1 good, 2 intermediate (§7.2). */
  status?: 0 | 1 | 2;
}

/** The catalog's form of a time: seconds as 11 zero-padded digits (API.md modify_replica). */
function catalogTime(seconds: number): string {
  return String(seconds).padStart(11, '0');
}

export class DataObjects {
  readonly #session: Session;
  readonly #query: GenQuery;

  constructor(session: Session, query: GenQuery) {
    this.#session = session;
    this.#query = query;
  }

  /** The data object at `path`, or undefined when there is none (or it is not visible). */
  async stat(path: string): Promise<DataObjectStat | undefined> {
    return statDataObject(this.#session, this.#query, path);
  }

  /**
   * Bytes of the object from `offset` (default 0), `count` bytes or to the end. Keep ranges small
   * enough for the server's request deadline. Paths with `+` cannot be read (GET only, §1.3).
   */
  async read(
    path: string,
    { offset, count }: { offset?: number; count?: number } = {},
  ): Promise<Buffer> {
    const action = 'read of data object';
    checkPath(path, 'read', action);
    return this.#session.transport.bytes({
      endpoint: ENDPOINT.dataObjects,
      method: 'GET',
      op: 'read',
      action,
      path,
      params: {
        lpath: path,
        offset: offset === undefined ? undefined : String(offset),
        count: count === undefined ? undefined : String(count),
      },
      repeat: REPEAT.always,
    });
  }

  /**
   * Registers a file already on the server's storage as a data object (or, with
   * `asAdditionalReplica`, as one more replica). A lost answer is followed by a catalog lookup
   * rather than a blind second registration, which would fail on the now existing object.
   */
  async register(path: string, options: RegisterOptions): Promise<void> {
    const action = 'registration of data object';
    checkPath(path, 'register', action);
    await this.#post('register', action, path, {
      params: {
        lpath: path,
        ppath: options.physicalPath,
        resource: options.resource,
        'as-additional-replica': options.asAdditionalReplica === true ? '1' : undefined,
        'data-size': options.dataSize === undefined ? undefined : String(options.dataSize),
        checksum: options.checksum === true ? '1' : undefined,
      },
      repeat: REPEAT.whenRefused,
      alreadyDone: async () => (await this.#physicalPaths(path)).includes(options.physicalPath),
    });
  }

  /**
   * Sets the mtime of the latest good replica to `seconds` (the source file's mtime, after the
   * last write, §7.4). Never creates an object unless `create` is set.
   */
  async touch(
    path: string,
    seconds: number,
    { create = false }: { create?: boolean } = {},
  ): Promise<void> {
    const action = 'touch of data object';
    checkPath(path, 'touch', action);
    checkSeconds(seconds, 'touch', action, path);
    await this.#post('touch', action, path, {
      params: {
        lpath: path,
        'seconds-since-epoch': String(seconds),
        'no-create': create ? undefined : '1',
      },
      repeat: REPEAT.always,
    });
  }

  /** Has the server compute (with `force`, recompute) and store the checksum; returns it. */
  async calculateChecksum(
    path: string,
    { force = false }: { force?: boolean } = {},
  ): Promise<string> {
    const action = 'checksum calculation of data object';
    checkPath(path, 'calculate_checksum', action);
    const body = await this.#post('calculate_checksum', action, path, {
      params: { lpath: path, force: force ? '1' : undefined },
      repeat: REPEAT.always,
    });
    if (typeof body.checksum !== 'string') {
      throw new IrodsError({
        op: 'calculate_checksum',
        action,
        path,
        layer: FAILURE_LAYER.client,
        reason: 'the answer has no checksum',
      });
    }
    return body.checksum;
  }

  /**
   * Recomputes the iRODS checksum (unless `force` is false) and compares it with a local
   * `sha2:` value such as `UploadResult.sha2`.
   */
  async compareChecksum(
    path: string,
    localSha2: string,
    { force = true }: { force?: boolean } = {},
  ): Promise<ChecksumComparison> {
    const irods = await this.calculateChecksum(path, { force });
    return {
      irods,
      local: localSha2,
      match: compareChecksums(irods, localSha2) === CHECKSUM_VERDICT.match,
    };
  }

  /** Like `compareChecksum`, but throws IRODS_CHECKSUM_MISMATCH (retryable) when they differ. */
  async verifyChecksum(path: string, localSha2: string): Promise<void> {
    const { irods, match } = await this.compareChecksum(path, localSha2);
    if (match) return;
    throw new IrodsError({
      op: 'calculate_checksum',
      action: 'checksum verification of data object',
      path,
      layer: FAILURE_LAYER.client,
      code: 'IRODS_CHECKSUM_MISMATCH',
      reason: `iRODS has ${irods || 'no checksum'}, the local file ${localSha2}`,
      retryable: true,
    });
  }

  /**
   * Removes the data object: unregister (catalog only, files stay), to the trash, or permanently.
   * Returns false when it was already gone (CAT_NO_ROWS_FOUND), so deletes can be repeated.
   */
  async remove(path: string, removal: Removal): Promise<boolean> {
    const action = 'removal of data object';
    checkPath(path, 'remove', action);
    const body = await this.#post('remove', action, path, {
      params: {
        lpath: path,
        'catalog-only': removal === REMOVAL.unregister ? '1' : '0',
        'no-trash': removal === REMOVAL.noTrash ? '1' : undefined,
      },
      repeat: REPEAT.always,
      accept: (code) => isIrodsError(code, 'CAT_NO_ROWS_FOUND'),
    });
    return (body.irods_response as { status_code: number }).status_code === 0;
  }

  /**
   * Rewrites catalog facts of one replica (rodsadmin only, §5.2.18). Used to bring a registered
   * file's size, mtime and checksum up to date in place, which keeps the object's AVUs and ACLs
   * that an unregister and register again would lose. Setting the same values twice would do no
   * harm to the catalog, but a new size is a new registration of the file to anyone counting
   * them (the soak does): a lost answer is followed by a look at the replica, and the update is
   * sent again only when the replica does not show it.
   */
  async modifyReplica(
    path: string,
    replica: ReplicaSelector,
    changes: ReplicaChanges,
  ): Promise<void> {
    const action = 'replica update of data object';
    checkPath(path, 'modify_replica', action);
    if (changes.modifiedAt !== undefined) {
      checkSeconds(changes.modifiedAt, 'modify_replica', action, path);
    }
    const properties = {
      'new-data-size': changes.size === undefined ? undefined : String(changes.size),
      'new-data-checksum': changes.checksum,
      'new-data-modify-time':
        changes.modifiedAt === undefined ? undefined : catalogTime(changes.modifiedAt),
      'new-data-replica-status': changes.status === undefined ? undefined : String(changes.status),
    };
    if (Object.values(properties).every((value) => value === undefined)) {
      throw new IrodsError({
        op: 'modify_replica',
        action,
        path,
        layer: FAILURE_LAYER.client,
        code: 'IRODS_UNSUPPORTED',
        reason: 'no property to change was given',
        retryable: false,
      });
    }
    await this.#post('modify_replica', action, path, {
      params: {
        lpath: path,
        'replica-number': 'replicaNumber' in replica ? String(replica.replicaNumber) : undefined,
        'resource-hierarchy':
          'resourceHierarchy' in replica ? replica.resourceHierarchy : undefined,
        ...properties,
      },
      repeat: REPEAT.whenRefused,
      alreadyDone: () => this.#showsChanges(path, replica, changes),
    });
  }

  /** The replica has every fact of `changes` (looked up in the catalog). */
  async #showsChanges(
    path: string,
    selector: ReplicaSelector,
    changes: ReplicaChanges,
  ): Promise<boolean> {
    const replicas = (await this.replicaFacts([path])).get(path) ?? [];
    const replica = replicas.find((candidate) =>
      'replicaNumber' in selector
        ? candidate.number === selector.replicaNumber
        : candidate.resourceHierarchy === selector.resourceHierarchy,
    );
    if (replica === undefined) return false;
    const { size, checksum, modifiedAt, status } = changes;
    return (
      (size === undefined || replica.size === size) &&
      (checksum === undefined || replica.checksum === checksum) &&
      (modifiedAt === undefined || replica.modifiedAt === modifiedAt) &&
      (status === undefined || replica.status === status)
    );
  }

  /** Replica numbers and physical paths of the object's replicas (empty when there is none). */
  async replicas(path: string): Promise<{ number: number; physicalPath: string }[]> {
    const rows = await this.#query.rows({
      select: ['DATA_REPL_NUM', 'DATA_PATH'],
      where: [
        { column: 'COLL_NAME', op: '=', value: parentPath(path) },
        { column: 'DATA_NAME', op: '=', value: baseName(path) },
      ],
    });
    return rows.map((row) => ({
      number: Number(row.DATA_REPL_NUM),
      physicalPath: row.DATA_PATH,
    }));
  }

  /** The replicas of many data objects, in few requests (see replica-facts.ts). */
  async replicaFacts(paths: readonly string[]): Promise<Map<string, ReplicaFacts[]>> {
    return replicaFacts(this.#query, paths);
  }

  /** Renames (moves) a data object; a lost answer is checked before sending it again. */
  async rename(oldPath: string, newPath: string): Promise<void> {
    const action = `rename of data object ${oldPath} to`;
    checkPath(oldPath, 'rename', action);
    checkPath(newPath, 'rename', action);
    await this.#post('rename', action, newPath, {
      params: { 'old-lpath': oldPath, 'new-lpath': newPath },
      repeat: REPEAT.whenRefused,
      alreadyDone: async () =>
        (await this.stat(oldPath)) === undefined && (await this.stat(newPath)) !== undefined,
    });
  }

  async #physicalPaths(path: string): Promise<string[]> {
    const rows = await this.#query.rows({
      select: ['DATA_PATH'],
      where: [
        { column: 'COLL_NAME', op: '=', value: parentPath(path) },
        { column: 'DATA_NAME', op: '=', value: baseName(path) },
      ],
    });
    return rows.map((row) => row.DATA_PATH);
  }

  async #post(
    op: string,
    action: string,
    path: string,
    call: Pick<ApiCall, 'params' | 'repeat' | 'alreadyDone' | 'accept'>,
  ) {
    return this.#session.transport.json({
      endpoint: ENDPOINT.dataObjects,
      method: 'POST',
      op,
      action,
      path,
      ...call,
    });
  }
}
