/**
 * The iRODS calls hooks may make (types.ts IrodsHandle): a narrow view of the daemon's own
 * client, so that they share its connections, its retries and its request metrics, and can
 * neither upload nor delete.
 */
import type { Avu, EntityKind, IrodsClient } from '../irods/index.js';
import type { Avus, IrodsEntry, IrodsHandle, QueryCondition } from './types.js';

const DATA_OBJECT: EntityKind = 'data_object';
const COLLECTION: EntityKind = 'collection';

export function irodsHandle(client: IrodsClient): IrodsHandle {
  const entityAt = async (path: string): Promise<EntityKind> => {
    const found = await stat(client, path);
    if (found === undefined) throw new Error(`no data object or collection at ${path}`);
    return found.type === 'collection' ? COLLECTION : DATA_OBJECT;
  };
  return {
    stat: (path) => stat(client, path),
    async addMetadata(path, avus) {
      await client.metadata.add(await entityAt(path), path, listOf(avus));
    },
    async removeMetadata(path, avus) {
      await client.metadata.remove(await entityAt(path), path, listOf(avus));
    },
    query: (select: readonly string[], where: readonly QueryCondition[] = []) =>
      client.query.rows({ select, where }),
  };
}

async function stat(client: IrodsClient, path: string): Promise<IrodsEntry | undefined> {
  const object = await client.dataObjects.stat(path);
  if (object !== undefined) {
    const { size, checksum, modifiedAt } = object;
    return { type: 'data_object', size, checksum, modifiedAt };
  }
  const collection = await client.collections.stat(path);
  return collection === undefined
    ? undefined
    : { type: 'collection', modifiedAt: collection.modifiedAt };
}

function listOf(avus: Avus): Avu[] {
  if (Array.isArray(avus)) return avus.map((avu: Avu) => ({ ...avu }));
  return Object.entries(avus).map(([attribute, value]) => ({ attribute, value: String(value) }));
}
