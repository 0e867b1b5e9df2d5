/**
 * Stat of collections and data objects, shared by both groups of operations. Paths with `+` go
 * through GenQuery (see plus-paths.ts); "not there" (missing or invisible) is `undefined`.
 */
import { isIrodsError } from '../core/irods-codes.js';
import { canTravelInQueryString } from '../core/logical-path.js';
import { checkPath } from './paths.js';
import { statCollectionByQuery, statDataObjectByQuery } from './plus-paths.js';
import type { GenQuery } from './query.js';
import type { Session } from './session.js';
import { ENDPOINT, REPEAT } from './transport.js';
import type { CollectionStat, DataObjectStat, Permission } from './types.js';

export async function statCollection(
  session: Session,
  query: GenQuery,
  path: string,
): Promise<CollectionStat | undefined> {
  const action = 'stat of collection';
  checkPath(path, 'stat', action);
  if (!canTravelInQueryString(path)) return statCollectionByQuery(query, path);
  const body = await session.transport.json({
    endpoint: ENDPOINT.collections,
    method: 'GET',
    op: 'stat',
    action,
    path,
    params: { lpath: path },
    repeat: REPEAT.always,
    accept: (code) => isIrodsError(code, 'NOT_A_COLLECTION'),
  });
  if (body.type !== 'collection') return undefined;
  return {
    type: 'collection',
    path,
    modifiedAt: Number(body.modified_at),
    inheritanceEnabled: body.inheritance_enabled === true,
    permissions: Array.isArray(body.permissions) ? (body.permissions as Permission[]) : [],
  };
}

export async function statDataObject(
  session: Session,
  query: GenQuery,
  path: string,
): Promise<DataObjectStat | undefined> {
  const action = 'stat of data object';
  checkPath(path, 'stat', action);
  if (!canTravelInQueryString(path)) return statDataObjectByQuery(query, path);
  const body = await session.transport.json({
    endpoint: ENDPOINT.dataObjects,
    method: 'GET',
    op: 'stat',
    action,
    path,
    params: { lpath: path },
    repeat: REPEAT.always,
    accept: (code) => isIrodsError(code, 'NOT_A_DATA_OBJECT'),
  });
  if (body.type !== 'data_object') return undefined;
  return {
    type: 'data_object',
    path,
    size: Number(body.size),
    checksum: typeof body.checksum === 'string' ? body.checksum : '',
    modifiedAt: Number(body.modified_at),
    // The server answers null when the object has no ACL rows (§5.2.5).
    permissions: Array.isArray(body.permissions) ? (body.permissions as Permission[]) : [],
  };
}
