/**
 * Stat and list for logical paths that contain `+`.
 *
 * GET ops cannot carry a `+` (the server reads it as a space, irods-http-api.md §1.3), so for such
 * paths `stat` and `list` would act on a different path. Design.md "Names" keeps such names as
 * they are; the client reaches them through GenQuery instead, whose `=` conditions on values with
 * `+` become `like` patterns with `_` for each `+`, filtered by the exact value afterwards (see
 * src/core/genquery.ts). So `/zone/a+b.txt` is looked up with `like '/zone/a_b.txt'`, which also
 * matches `a b.txt` and `a_b.txt`; only the row whose name is exactly `a+b.txt` is kept.
 *
 * What GenQuery cannot give: permissions (left out of the results) and an error for a stat of
 * something invisible (it is simply absent, as with the HTTP stat).
 */
import { parseGenQueryTime } from '../core/genquery.js';
import { IRODS_ERRORS } from '../core/irods-codes.js';
import { baseName, isWithin, joinPath, parentPath } from '../core/logical-path.js';
import { FAILURE_LAYER } from '../core/retry.js';
import { IrodsError } from './errors.js';
import type { GenQuery } from './query.js';
import type { CollectionStat, DataObjectStat } from './types.js';

/** DATA_REPL_STATUS of a good replica. */
const GOOD_REPLICA = '1';

export async function statCollectionByQuery(
  query: GenQuery,
  path: string,
): Promise<CollectionStat | undefined> {
  const rows = await query.rows({
    select: ['COLL_NAME', 'COLL_MODIFY_TIME', 'COLL_INHERITANCE'],
    where: [{ column: 'COLL_NAME', op: '=', value: path }],
  });
  const row = rows[0];
  if (row === undefined) return undefined;
  return {
    type: 'collection',
    path,
    modifiedAt: parseGenQueryTime(row.COLL_MODIFY_TIME),
    inheritanceEnabled: row.COLL_INHERITANCE === '1',
  };
}

/** Size, checksum and mtime come from the latest good replica, as in the HTTP stat (§5.2.5). */
export async function statDataObjectByQuery(
  query: GenQuery,
  path: string,
): Promise<DataObjectStat | undefined> {
  const rows = await query.rows({
    select: ['DATA_REPL_NUM', 'DATA_REPL_STATUS', 'DATA_SIZE', 'DATA_CHECKSUM', 'DATA_MODIFY_TIME'],
    where: [
      { column: 'COLL_NAME', op: '=', value: parentPath(path) },
      { column: 'DATA_NAME', op: '=', value: baseName(path) },
    ],
  });
  if (rows.length === 0) return undefined;
  const good = rows.filter((row) => row.DATA_REPL_STATUS === GOOD_REPLICA);
  if (good.length === 0) {
    throw new IrodsError({
      op: 'stat',
      action: 'stat of data object',
      path,
      layer: FAILURE_LAYER.irods,
      irodsCode: IRODS_ERRORS.SYS_NO_GOOD_REPLICA,
      reason: 'no good replica in the catalog',
    });
  }
  const latest = good.reduce((a, b) =>
    parseGenQueryTime(b.DATA_MODIFY_TIME) > parseGenQueryTime(a.DATA_MODIFY_TIME) ? b : a,
  );
  return {
    type: 'data_object',
    path,
    size: Number(latest.DATA_SIZE),
    checksum: latest.DATA_CHECKSUM,
    modifiedAt: parseGenQueryTime(latest.DATA_MODIFY_TIME),
  };
}

/**
 * Entries of a collection in the order the HTTP `list` uses (§5.1.3): sub-collections first,
 * then data objects, each sorted by name; recursively, each collection is followed at once by its
 * own contents.
 */
export async function listByQuery(
  query: GenQuery,
  path: string,
  recursive: boolean,
): Promise<string[]> {
  const below = `${path === '/' ? '' : path}/%`;
  const collections = recursive
    ? await query.rows({
        select: ['COLL_NAME'],
        where: [{ column: 'COLL_NAME', op: 'like', value: below }],
      })
    : await query.rows({
        select: ['COLL_NAME'],
        where: [{ column: 'COLL_PARENT_NAME', op: '=', value: path }],
      });
  // A like pattern treats `%` and `_` in the path itself as wildcards: keep only true descendants.
  const subCollections = collections
    .map((row) => row.COLL_NAME)
    .filter((name) => name !== path && isWithin(name, path));
  const objectRows = [
    ...(await query.rows({
      select: ['COLL_NAME', 'DATA_NAME'],
      where: [{ column: 'COLL_NAME', op: '=', value: path }],
    })),
    ...(recursive
      ? await query.rows({
          select: ['COLL_NAME', 'DATA_NAME'],
          where: [{ column: 'COLL_NAME', op: 'like', value: below }],
        })
      : []),
  ];
  const objectsByCollection = new Map<string, Set<string>>();
  for (const row of objectRows) {
    if (!isWithin(row.COLL_NAME, path)) continue;
    const names = objectsByCollection.get(row.COLL_NAME) ?? new Set<string>();
    names.add(row.DATA_NAME);
    objectsByCollection.set(row.COLL_NAME, names);
  }
  const childrenOf = new Map<string, string[]>();
  for (const name of new Set(subCollections)) {
    const siblings = childrenOf.get(parentPath(name)) ?? [];
    siblings.push(name);
    childrenOf.set(parentPath(name), siblings);
  }
  const out: string[] = [];
  const visit = (collection: string): void => {
    for (const child of (childrenOf.get(collection) ?? []).sort()) {
      out.push(child);
      if (recursive) visit(child);
    }
    for (const name of [...(objectsByCollection.get(collection) ?? [])].sort()) {
      out.push(joinPath(collection, name));
    }
  };
  visit(path);
  return out;
}
