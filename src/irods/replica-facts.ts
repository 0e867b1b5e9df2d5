/**
 * What the catalog says about the replicas of many data objects, in few requests: one GenQuery
 * per collection and group of names (`DATA_NAME in (...)`, paged by the server's row limit),
 * where a stat per object would cost a request each. The daemon asks this when many files of one
 * directory need their content compared with iRODS (a `chmod -R` moves every ctime).
 *
 * A name or collection that cannot stand in a GenQuery literal (`+`, `'`, `\`) is looked up on
 * its own, through the widened `=` match of src/core/genquery.ts.
 */
import { canTravelAsLiteral, inCondition } from '../core/genquery.js';
import { baseName, joinPath, parentPath } from '../core/logical-path.js';
import type { GenQuery } from './query.js';

export interface ReplicaFacts {
  number: number;
  /** DATA_REPL_STATUS: 0 stale, 1 good, 2 intermediate (open for write), 3 and 4 locked. */
  status: number;
  /** Bytes. */
  size: number;
  /** As iRODS stores it (`sha2:...`); "" when none has been computed. */
  checksum: string;
  physicalPath: string;
  /** DATA_MODIFY_TIME: seconds since the epoch (the source's mtime, once a sync carried it). */
  modifiedAt: number;
  /** DATA_RESC_HIER: the resource hierarchy the replica lives in. */
  resourceHierarchy: string;
}

/** DATA_REPL_STATUS of a good replica (irods-http-api.md §5.3.2). */
export const GOOD_REPLICA = 1;

const COLUMNS = [
  'DATA_NAME',
  'DATA_REPL_NUM',
  'DATA_REPL_STATUS',
  'DATA_SIZE',
  'DATA_CHECKSUM',
  'DATA_PATH',
  'DATA_MODIFY_TIME',
  'DATA_RESC_HIER',
] as const;

/**
 * Encoded characters of names per query: the query travels in the request line of a GET, and
 * HTTP servers take a few KiB there (8 KiB for the HTTP API's Boost.Beast parser).
 */
const NAME_CHARS_PER_QUERY = 3000;

/**
 * The replicas of each of `paths` (absolute logical paths of data objects), an empty list for a
 * path with no data object (or one the user cannot see).
 */
export async function replicaFacts(
  query: GenQuery,
  paths: readonly string[],
): Promise<Map<string, ReplicaFacts[]>> {
  const facts = new Map<string, ReplicaFacts[]>(paths.map((path) => [path, []]));
  const byCollection = new Map<string, string[]>();
  const alone: string[] = [];
  for (const path of facts.keys()) {
    const collection = parentPath(path);
    const name = baseName(path);
    if (!canTravelAsLiteral(collection) || !canTravelAsLiteral(name)) {
      alone.push(path);
      continue;
    }
    const names = byCollection.get(collection);
    if (names === undefined) byCollection.set(collection, [name]);
    else names.push(name);
  }
  for (const [collection, names] of byCollection) {
    for (const group of groupsOf(names)) {
      const condition = inCondition('DATA_NAME', group) as string;
      const text = `select ${COLUMNS.join(', ')} where COLL_NAME = '${collection}' and ${condition}`;
      for await (const row of query.iterateText(text)) {
        facts.get(joinPath(collection, row[0] ?? ''))?.push(factsOf(row));
      }
    }
  }
  for (const path of alone) {
    const rows = await query.rows({
      select: COLUMNS,
      where: [
        { column: 'COLL_NAME', op: '=', value: parentPath(path) },
        { column: 'DATA_NAME', op: '=', value: baseName(path) },
      ],
    });
    facts.set(
      path,
      rows.map((row) => factsOf(COLUMNS.map((column) => row[column]))),
    );
  }
  return facts;
}

/** Names cut into groups whose query strings stay short. */
function* groupsOf(names: readonly string[]): Generator<string[]> {
  let group: string[] = [];
  let chars = 0;
  for (const name of names) {
    const cost = encodeURIComponent(name).length + 6;
    if (group.length > 0 && chars + cost > NAME_CHARS_PER_QUERY) {
      yield group;
      group = [];
      chars = 0;
    }
    group.push(name);
    chars += cost;
  }
  if (group.length > 0) yield group;
}

/** A row in COLUMNS order. */
function factsOf(row: readonly (string | undefined)[]): ReplicaFacts {
  const [, number, status, size, checksum, physicalPath, modifiedAt, resourceHierarchy] = row;
  return {
    number: Number(number),
    status: Number(status),
    size: Number(size),
    checksum: checksum ?? '',
    physicalPath: physicalPath ?? '',
    modifiedAt: Number(modifiedAt),
    resourceHierarchy: resourceHierarchy ?? '',
  };
}
