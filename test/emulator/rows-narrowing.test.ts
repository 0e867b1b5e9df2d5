import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import { PERMISSION_LEVELS, USER_TYPES, type Principal } from './acl.js';
import { Catalog } from './catalog.js';
import { executeGenQuery } from './genquery.js';
import type { GenQueryOptions, GenQueryOutcome, RowSource } from './genquery.js';
import { nowSeconds, type Collection } from './model.js';
import { catalogRows } from './rows.js';

const HOME = '/tempZone/home/rods';
const DEFAULTS: GenQueryOptions = { offset: 0, count: 1000, caseSensitive: true, distinct: true };

function openCatalog(root: string): Catalog {
  return Catalog.open({
    root,
    zone: 'tempZone',
    adminName: 'rods',
    adminPassword: 'rods',
    defaultResource: 'demoResc',
    resources: [
      { name: 'demoResc', type: 'unixfilesystem' },
      { name: 'other', type: 'unixfilesystem' },
    ],
    compactionThreshold: 1_000_000,
  });
}

/** The same source with its constraints withheld: the full walk the narrowing must agree with. */
function unnarrowed(source: RowSource): RowSource {
  return (columns) => source(columns, { equal: {}, prefix: {} });
}

/** A source that counts the records it yields. */
function counted(source: RowSource): { source: RowSource; yielded: () => number } {
  let yielded = 0;
  return {
    source: function* (columns, constraints) {
      for (const record of source(columns, constraints)) {
        yielded++;
        yield record;
      }
    },
    yielded: () => yielded,
  };
}

/**
 * Collections whose names hold the LIKE wildcards `_` and `%` and their look-alikes, objects with
 * several replicas and AVUs, a moved object (so a collection's own order differs from the
 * catalog's), and alice's home beside rods's, of which she may read one collection and one
 * object in it.
 */
function populate(catalog: Catalog): void {
  const home = catalog.findCollection(HOME)!;
  const make = (parent: Collection, name: string, objects: number): Collection => {
    const coll = catalog.createCollection(parent, name, parent.owner);
    for (let i = 0; i < objects; i++) {
      catalog.createDataObject(coll, `f${i}`, coll.owner, catalog.defaultResource, `/vault/f${i}`);
    }
    return coll;
  };
  const plain = make(home, 'a_b', 3);
  const lookAlike = make(home, 'aXb', 2);
  make(home, 'a%b', 2);
  make(home, 'a%bc', 1);
  make(plain, 'sub', 2);
  make(make(home, 'deep', 1), 'er', 2);
  const object = plain.objects.get('f1')!;
  const other = catalog.resources.byName('other')!.id;
  object.replicas.push({ ...object.replicas[0]!, number: 1, size: 7, resourceId: other });
  object.avus = [
    { id: catalog.newId(), attribute: 'kind', value: 'raw', units: '' },
    { id: catalog.newId(), attribute: 'Kind', value: 'RAW', units: 'u' },
  ];
  plain.avus = [{ id: catalog.newId(), attribute: 'project', value: 'x', units: '' }];
  catalog.moveDataObject(plain.objects.get('f0')!, plain, 'moved');
  catalog.createDataObject(plain, 'f0', 'rods', catalog.defaultResource, '/vault/f0');

  const alice = {
    id: catalog.newId(),
    name: 'alice',
    type: USER_TYPES.rodsuser,
    password: 'a',
    createTime: nowSeconds(),
    members: new Set<string>(),
    avus: [],
  };
  catalog.users.set(alice.name, alice);
  const aliceHome = catalog.createCollection(
    catalog.findCollection('/tempZone/home')!,
    'alice',
    'alice',
  );
  make(aliceHome, 'shared', 2);
  lookAlike.acl.set('alice', PERMISSION_LEVELS.read_object);
  lookAlike.objects.get('f1')!.acl.set('alice', PERMISSION_LEVELS.read_object);
}

const PATHS = [
  '/',
  '/tempZone',
  '/tempZone/home',
  HOME,
  `${HOME}/`,
  `${HOME}/a_b`,
  `${HOME}/aXb`,
  `${HOME}/a%b`,
  `${HOME}/a%bc`,
  `${HOME}/a_b/sub`,
  `${HOME}/deep`,
  `${HOME}/deep/er`,
  `${HOME}/missing`,
  '/tempZone/home/alice',
  '/tempZone/home/alice/shared',
  'relative',
];

/** Queries over `path`, each as the daemon or the upstream tests could write it. */
function queriesFor(path: string): string[] {
  const below = `${path === '/' ? '' : path}/%`;
  return [
    `select COLL_NAME, DATA_NAME, DATA_REPL_NUM where COLL_NAME = '${path}' and DATA_NAME = 'f1'`,
    `select DATA_REPL_NUM, DATA_SIZE, DATA_RESC_NAME where COLL_NAME = '${path}' and DATA_NAME = 'f0'`,
    `select DATA_ID, DATA_SIZE where COLL_NAME = '${path}'`,
    `select DATA_NAME, DATA_ID where COLL_NAME = '${path}' and DATA_NAME like 'f%'`,
    `select COLL_NAME, DATA_NAME where COLL_NAME = '${path}'`,
    `select COLL_NAME, COLL_INHERITANCE where COLL_NAME = '${path}'`,
    `select COLL_NAME where COLL_PARENT_NAME = '${path}'`,
    `select COLL_ID where COLL_PARENT_NAME = '${path}'`,
    `select DATA_ID, DATA_NAME where COLL_PARENT_NAME = '${path}'`,
    `select COLL_NAME where COLL_NAME like '${below}'`,
    `select COLL_ID where COLL_NAME like '${path}%'`,
    `select COLL_NAME, DATA_NAME where COLL_NAME like '${below}'`,
    `select DATA_ID where COLL_NAME like '${path}_%'`,
    `select DATA_ID where COLL_NAME like '${path.replaceAll('_', '\\_')}%'`,
    `select COLL_NAME where COLL_NAME parent_of '${path}/f1'`,
    `select DATA_ID where COLL_NAME parent_of '${path}' and DATA_NAME = 'f1'`,
    `select count(DATA_ID), sum(DATA_SIZE) where COLL_NAME = '${path}'`,
    `select COLL_NAME, count(DATA_ID) where COLL_NAME like '${below}'`,
    `select DATA_ID where COLL_NAME = '${path}' || = '${HOME}/aXb'`,
    `select DATA_ID where COLL_NAME = '${path}' and COLL_NAME = '${HOME}/aXb'`,
    `select DATA_ID where COLL_NAME = '${path}' && like '%b'`,
    `select DATA_ID where COLL_NAME != '${path}' and DATA_NAME = 'f1'`,
    `select META_COLL_ATTR_NAME, META_COLL_ATTR_VALUE where COLL_NAME = '${path}'`,
    `select DATA_NAME, META_DATA_ATTR_NAME where COLL_NAME = '${path}' and DATA_NAME = 'f1'`,
    `select DATA_NAME, DATA_ACCESS_NAME, DATA_USER_NAME where COLL_NAME = '${path}'`,
    `select COLL_NAME, COLL_ACCESS_NAME where COLL_NAME = '${path}'`,
    `select DATA_NAME where DATA_NAME = 'moved' and COLL_NAME = '${path}'`,
    `select RESC_NAME where COLL_NAME = '${path}'`,
  ];
}

const VARIANTS: Partial<GenQueryOptions>[] = [
  {},
  { caseSensitive: false },
  { distinct: false },
  { offset: 1, count: 2 },
];

describe('GenQuery narrowing by the where-clause changes no result', () => {
  let root: string;
  let catalog: Catalog;
  let principals: Principal[];

  before(() => {
    root = mkdtempSync(join(tmpdir(), 'rows-narrowing-'));
    catalog = openCatalog(root);
    populate(catalog);
    principals = [catalog.principal('rods')!, catalog.principal('alice')!];
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  function both(query: string, options: Partial<GenQueryOptions>, who: Principal) {
    const source = catalogRows(catalog, who);
    const run = (s: RowSource): GenQueryOutcome =>
      executeGenQuery(query, { ...DEFAULTS, ...options }, s);
    return { narrowed: run(source), full: run(unnarrowed(source)) };
  }

  it('answers every query over every path as the full walk does, for admin and user', () => {
    let nonEmpty = 0;
    for (const who of principals) {
      for (const path of PATHS) {
        for (const query of queriesFor(path)) {
          for (const options of VARIANTS) {
            const { narrowed, full } = both(query, options, who);
            assert.deepEqual(narrowed, full, `${who.name} ${JSON.stringify(options)}: ${query}`);
            if ('rows' in full && full.rows.length > 0) nonEmpty++;
          }
        }
      }
    }
    // The comparison means something only if many of the queries found rows.
    assert.ok(nonEmpty > 500, `only ${nonEmpty} queries had rows`);
  });

  it('keeps the catalog order for unordered queries over a collection with a moved object', () => {
    const { narrowed, full } = both(
      `select DATA_ID where COLL_NAME = '${HOME}/a_b'`,
      {},
      principals[0]!,
    );
    assert.deepEqual(narrowed, full);
    assert.ok('rows' in narrowed);
    assert.equal(narrowed.rows.length, 4);
  });

  it('matches lower-case literals in any case when case-sensitive is off', () => {
    const query = `select COLL_NAME, DATA_NAME where COLL_NAME = '${HOME.toLowerCase()}/axb'`;
    const { narrowed, full } = both(query, { caseSensitive: false }, principals[0]!);
    assert.deepEqual(narrowed, full);
    assert.deepEqual(narrowed, {
      rows: [
        [`${HOME}/aXb`, 'f0'],
        [`${HOME}/aXb`, 'f1'],
      ],
    });
  });

  it("yields only the named object's replicas for COLL_NAME = and DATA_NAME =", () => {
    const { source, yielded } = counted(catalogRows(catalog, principals[0]!));
    const query = `select DATA_REPL_NUM, DATA_SIZE where COLL_NAME = '${HOME}/a_b' and DATA_NAME = 'f1'`;
    assert.deepEqual(executeGenQuery(query, DEFAULTS, source), {
      rows: [
        ['0', '0'],
        ['1', '7'],
      ],
    });
    assert.equal(yielded(), 2);
  });

  it('yields only the subtree for COLL_NAME like a prefix, and the walk for a leading wildcard', () => {
    const { source, yielded } = counted(catalogRows(catalog, principals[0]!));
    executeGenQuery(`select COLL_NAME where COLL_NAME like '${HOME}/deep%'`, DEFAULTS, source);
    assert.equal(yielded(), 2);
    executeGenQuery("select COLL_NAME where COLL_NAME like '%/deep%'", DEFAULTS, source);
    assert.equal(yielded(), 2 + catalog.collectionCount);
  });
});
