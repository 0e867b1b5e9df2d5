/**
 * AVU metadata through the atomic `modify_metadata` batch (irods-http-api.md §5.1.10, §5.2.12):
 * the whole batch applies or nothing does. The server knows only `add` and `remove`, both
 * idempotent, so every batch may be sent again after a lost answer; "set" is built from them.
 */
import { baseName, parentPath } from '../core/logical-path.js';
import { checkPath } from './paths.js';
import type { GenQueryCondition } from '../core/genquery.js';
import type { GenQuery } from './query.js';
import type { Session } from './session.js';
import { ENDPOINT, REPEAT } from './transport.js';
import { ENTITY, type Avu, type EntityKind, type MetadataOperation } from './types.js';

const labels: Record<EntityKind, string> = {
  [ENTITY.collection]: 'collection',
  [ENTITY.dataObject]: 'data object',
};

export class Metadata {
  readonly #session: Session;
  readonly #query: GenQuery;

  constructor(session: Session, query: GenQuery) {
    this.#session = session;
    this.#query = query;
  }

  /** Applies `operations` in order, atomically. An empty batch sends nothing. */
  async modify(
    kind: EntityKind,
    path: string,
    operations: readonly MetadataOperation[],
  ): Promise<void> {
    const action = `metadata update of ${labels[kind]}`;
    checkPath(path, 'modify_metadata', action);
    if (operations.length === 0) return;
    const json = operations.map(({ operation, attribute, value, units }) =>
      units === undefined
        ? { operation, attribute, value }
        : { operation, attribute, value, units },
    );
    await this.#session.transport.json({
      endpoint: kind === ENTITY.collection ? ENDPOINT.collections : ENDPOINT.dataObjects,
      method: 'POST',
      op: 'modify_metadata',
      action,
      path,
      params: { lpath: path, operations: JSON.stringify(json) },
      repeat: REPEAT.always,
    });
  }

  async add(kind: EntityKind, path: string, avus: readonly Avu[]): Promise<void> {
    await this.modify(
      kind,
      path,
      avus.map((avu) => ({ ...avu, operation: 'add' })),
    );
  }

  async remove(kind: EntityKind, path: string, avus: readonly Avu[]): Promise<void> {
    await this.modify(
      kind,
      path,
      avus.map((avu) => ({ ...avu, operation: 'remove' })),
    );
  }

  /** AVUs attached to the entity, all or only those of `attribute`. */
  async list(kind: EntityKind, path: string, attribute?: string): Promise<Avu[]> {
    checkPath(path, 'execute_genquery', `metadata lookup of ${labels[kind]}`);
    const prefix = kind === ENTITY.collection ? 'META_COLL_ATTR' : 'META_DATA_ATTR';
    const [name, value, units] = [`${prefix}_NAME`, `${prefix}_VALUE`, `${prefix}_UNITS`];
    const where: GenQueryCondition[] =
      kind === ENTITY.collection
        ? [{ column: 'COLL_NAME', op: '=', value: path }]
        : [
            { column: 'COLL_NAME', op: '=', value: parentPath(path) },
            { column: 'DATA_NAME', op: '=', value: baseName(path) },
          ];
    if (attribute !== undefined) where.push({ column: name, op: '=', value: attribute });
    const rows = await this.#query.rows({ select: [name, value, units], where });
    return rows.map((row) => ({
      attribute: row[name] ?? '',
      value: row[value] ?? '',
      units: row[units] ?? '',
    }));
  }

  /**
   * Makes `attribute` have exactly the one value `value` (with `units`): reads the current values
   * with GenQuery, then removes the others and adds the new one in one atomic batch. A concurrent
   * writer between the read and the batch can leave its value in place; the daemon sets each
   * object's metadata from one worker at a time.
   */
  async set(
    kind: EntityKind,
    path: string,
    attribute: string,
    value: string,
    units = '',
  ): Promise<void> {
    const current = await this.list(kind, path, attribute);
    const same = (avu: Avu) => avu.value === value && (avu.units ?? '') === units;
    const operations: MetadataOperation[] = current
      .filter((avu) => !same(avu))
      .map((avu) => ({ operation: 'remove', attribute, value: avu.value, units: avu.units ?? '' }));
    if (!current.some(same)) operations.push({ operation: 'add', attribute, value, units });
    await this.modify(kind, path, operations);
  }
}
