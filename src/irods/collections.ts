/** Collection operations (irods-http-api.md §5.1). */
import { IRODS_ERRORS, isIrodsError } from '../core/irods-codes.js';
import { canTravelInQueryString, isWithin, selfAndAncestors } from '../core/logical-path.js';
import type { LruSet } from '../core/lru-set.js';
import { FAILURE_LAYER } from '../core/retry.js';
import { IrodsError } from './errors.js';
import { checkPath, checkSeconds } from './paths.js';
import { listByQuery } from './plus-paths.js';
import type { GenQuery } from './query.js';
import type { Session } from './session.js';
import { statCollection, statDataObject } from './stat.js';
import { ENDPOINT, REPEAT } from './transport.js';
import type { CollectionStat } from './types.js';

export class Collections {
  readonly #session: Session;
  readonly #query: GenQuery;
  /** Collections known to exist; creating one of them again costs no request. */
  readonly #known: LruSet<string>;

  constructor(session: Session, query: GenQuery, known: LruSet<string>) {
    this.#session = session;
    this.#query = query;
    this.#known = known;
  }

  /**
   * Creates `path` and any missing ancestors (`mkdir -p`). Returns true when it was created, false
   * when it existed. Paths created or found here are remembered, so `ensure` needs no request.
   */
  async create(path: string): Promise<boolean> {
    const action = 'creation of collection';
    checkPath(path, 'create', action);
    const body = await this.#session.transport.json({
      endpoint: ENDPOINT.collections,
      method: 'POST',
      op: 'create',
      action,
      path,
      params: { lpath: path, 'create-intermediates': '1' },
      repeat: REPEAT.always,
    });
    const created = body.created === true;
    // "created": false also answers for a data object at that path (§5.1.1): check before caching.
    if (!created && (await this.stat(path)) === undefined) {
      throw new IrodsError({
        op: 'create',
        action,
        path,
        layer: FAILURE_LAYER.client,
        code: 'IRODS_NO_EFFECT',
        reason: 'something that is not a collection is already at this path',
        retryable: false,
      });
    }
    for (const known of selfAndAncestors(path)) this.#known.add(known);
    return created;
  }

  /** Makes sure `path` exists, asking the server only when it is not known to exist. */
  async ensure(path: string): Promise<void> {
    if (this.#known.has(path)) return;
    await this.create(path);
  }

  /**
   * Forgets that `path` and everything below it exist. This client's own removes and renames do it
   * themselves; call it after changes made by others.
   */
  forget(path: string): void {
    this.#known.deleteWhere((known) => isWithin(known, path));
  }

  /** The collection at `path`, or undefined when there is none (or it is not visible). */
  async stat(path: string): Promise<CollectionStat | undefined> {
    return statCollection(this.#session, this.#query, path);
  }

  /**
   * Absolute paths of the collection's entries (sub-collections and data objects, no type
   * information), or of its whole subtree with `recursive`. Order: sub-collections, then data
   * objects, but do not rely on it. Throws NOT_A_COLLECTION when `path` is not a collection.
   */
  async list(path: string, { recursive = false }: { recursive?: boolean } = {}): Promise<string[]> {
    const action = recursive ? 'recursive listing of collection' : 'listing of collection';
    checkPath(path, 'list', action);
    if (!canTravelInQueryString(path)) {
      if ((await this.stat(path)) === undefined) {
        throw new IrodsError({
          op: 'list',
          action,
          path,
          layer: FAILURE_LAYER.irods,
          irodsCode: IRODS_ERRORS.NOT_A_COLLECTION,
          reason: 'not found through GenQuery',
        });
      }
      return listByQuery(this.#query, path, recursive);
    }
    const body = await this.#session.transport.json({
      endpoint: ENDPOINT.collections,
      method: 'GET',
      op: 'list',
      action,
      path,
      params: { lpath: path, recurse: recursive ? '1' : undefined },
      repeat: REPEAT.always,
    });
    // An empty collection answers "entries": null (§5.1.3).
    return Array.isArray(body.entries) ? (body.entries as string[]) : [];
  }

  /**
   * Removes the collection (with `recursive` its contents too, with `noTrash` permanently).
   * Returns false when no collection was there. The server reports success even when it refused
   * the delete (§5.1.4), so success is confirmed with a stat.
   */
  async remove(
    path: string,
    { recursive = false, noTrash = false }: { recursive?: boolean; noTrash?: boolean } = {},
  ): Promise<boolean> {
    const action = 'removal of collection';
    checkPath(path, 'remove', action);
    this.forget(path);
    const body = await this.#session.transport.json({
      endpoint: ENDPOINT.collections,
      method: 'POST',
      op: 'remove',
      action,
      path,
      params: {
        lpath: path,
        recurse: recursive ? '1' : undefined,
        'no-trash': noTrash ? '1' : undefined,
      },
      repeat: REPEAT.always,
      accept: (code) => isIrodsError(code, 'NOT_A_COLLECTION'),
    });
    const code = (body.irods_response as { status_code: number }).status_code;
    if (code !== 0) {
      // Nothing at the path is "already removed"; a data object in its place is an error.
      if ((await statDataObject(this.#session, this.#query, path)) === undefined) return false;
      throw new IrodsError({
        op: 'remove',
        action,
        path,
        layer: FAILURE_LAYER.http,
        httpStatus: 400,
        irodsCode: code,
      });
    }
    if ((await this.stat(path)) !== undefined) {
      throw new IrodsError({
        op: 'remove',
        action,
        path,
        layer: FAILURE_LAYER.client,
        code: 'IRODS_NO_EFFECT',
        reason: 'the server reported success but the collection is still there',
        retryable: false,
      });
    }
    return true;
  }

  /**
   * Renames (moves) a collection. Not idempotent, so after a lost answer the client looks whether
   * the move happened before sending it again.
   */
  async rename(oldPath: string, newPath: string): Promise<void> {
    const action = `rename of collection ${oldPath} to`;
    checkPath(oldPath, 'rename', action);
    checkPath(newPath, 'rename', action);
    this.forget(oldPath);
    await this.#session.transport.json({
      endpoint: ENDPOINT.collections,
      method: 'POST',
      op: 'rename',
      action,
      path: newPath,
      params: { 'old-lpath': oldPath, 'new-lpath': newPath },
      repeat: REPEAT.whenRefused,
      alreadyDone: async () =>
        (await this.stat(oldPath)) === undefined && (await this.stat(newPath)) !== undefined,
    });
  }

  /** Sets the collection's mtime to `seconds` (default: now). A missing path is left alone. */
  async touch(path: string, seconds?: number): Promise<void> {
    const action = 'touch of collection';
    checkPath(path, 'touch', action);
    if (seconds !== undefined) checkSeconds(seconds, 'touch', action, path);
    await this.#session.transport.json({
      endpoint: ENDPOINT.collections,
      method: 'POST',
      op: 'touch',
      action,
      path,
      params: {
        lpath: path,
        'seconds-since-epoch': seconds === undefined ? undefined : String(seconds),
      },
      repeat: REPEAT.always,
    });
  }
}
