/**
 * The emulator's GenQuery narrowing: a per-file lookup (`COLL_NAME =` and `DATA_NAME =`, what the
 * daemon asks for every file it checks) against the same query over the full catalogue walk, in
 * an emulator catalogue of `objects` data objects. That the two answer alike is asserted by
 * test/emulator/rows-narrowing.test.ts; this measures what the narrowing saves.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Catalog } from '../emulator/catalog.js';
import { executeGenQuery, type GenQueryOptions, type RowSource } from '../emulator/genquery.js';
import { catalogRows } from '../emulator/rows.js';
import type { BenchRow } from './measure.js';

const HOME = '/tempZone/home/rods';
const OPTIONS: GenQueryOptions = { offset: 0, count: 1000, caseSensitive: true, distinct: true };
const COLLECTIONS = 10;

export function benchGenQuery(workDir: string, objects: number): BenchRow {
  const root = mkdtempSync(join(workDir, 'genquery-'));
  try {
    const catalog = Catalog.open({
      root,
      zone: 'tempZone',
      adminName: 'rods',
      adminPassword: 'rods',
      defaultResource: 'demoResc',
      resources: [{ name: 'demoResc', type: 'unixfilesystem' }],
      compactionThreshold: 1_000_000,
    });
    const home = catalog.findCollection(HOME)!;
    for (let d = 0; d < COLLECTIONS; d++) {
      const coll = catalog.createCollection(home, `d${d}`, 'rods');
      for (let i = 0; i < objects / COLLECTIONS; i++) {
        catalog.createDataObject(coll, `f${i}`, 'rods', catalog.defaultResource, `/v/${i}`);
      }
    }
    const source = catalogRows(catalog, catalog.principal('rods')!);
    // The same source with its constraints withheld: the walk the narrowing avoids.
    const unnarrowed: RowSource = (columns) => source(columns, { equal: {}, prefix: {} });
    const query =
      'select DATA_REPL_NUM, DATA_SIZE, DATA_MODIFY_TIME ' +
      `where COLL_NAME = '${HOME}/d7' and DATA_NAME = 'f42'`;
    const queriesPerSecond = (rows: RowSource, runs: number): number => {
      const start = performance.now();
      for (let i = 0; i < runs; i++) executeGenQuery(query, OPTIONS, rows);
      return (runs * 1000) / (performance.now() - start);
    };
    const full = queriesPerSecond(unnarrowed, 20);
    const narrowed = queriesPerSecond(source, 200);
    return {
      name: `emulator GenQuery per-file lookup (${objects} objects)`,
      value: narrowed,
      unit: 'queries/s',
      baseline: { name: 'the same query over the full catalogue walk', value: full },
    };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
