import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ADMIN_HOME, emptyError, ok, parse, unique, type Params } from './http.js';
import { useEmulatorSession } from './session.js';

// Spec §5.3.1-§5.3.2 (GenQuery1) and §8 item 22.

/** A collection holding `file-00` … `file-16` (17 objects, more than one page). */
let paged: string;
const names = Array.from({ length: 17 }, (_, i) => `file-${String(i).padStart(2, '0')}`);

const fx = useEmulatorSession({
  prepare: async (rods) => {
    paged = `${ADMIN_HOME}/${unique('paged')}`;
    await rods.mkdir(paged);
    for (const name of [...names].reverse()) await rods.put(`${paged}/${name}`, name);
  },
});

function query(q: string, extra: Params = {}) {
  return fx.rods.get('/query', { op: 'execute_genquery', query: q, ...extra });
}

const inPaged = () => `select DATA_NAME where COLL_NAME = '${paged}'`;

describe('GenQuery1 results (§5.3.1)', () => {
  it('returns every value as a string, in select order', async () => {
    const reply = await query(
      `select DATA_SIZE, DATA_NAME, COLL_NAME where COLL_NAME = '${paged}' and DATA_NAME = 'file-03'`,
    );
    assert.equal(reply.status, 200);
    assert.equal(
      reply.text,
      `{"irods_response":{"status_code":0},"rows":[["7","file-03",${JSON.stringify(paged)}]]}`,
    );
  });

  it('answers rows:[] with status 0 when nothing matches', async () => {
    const reply = await query(`select DATA_NAME where COLL_NAME = '${paged}/none'`);
    assert.equal(reply.status, 200);
    assert.equal(reply.text, '{"irods_response":{"status_code":0},"rows":[]}');
  });

  it('writes times as 11-digit zero-padded seconds', async () => {
    const lpath = `${paged}/file-05`;
    ok(
      await fx.rods.post('/data-objects', {
        op: 'touch',
        lpath,
        'seconds-since-epoch': 1712345678,
      }),
    );
    const coll = `${ADMIN_HOME}/${unique('timed')}`;
    await fx.rods.mkdir(coll);
    ok(
      await fx.rods.post('/collections', {
        op: 'touch',
        lpath: coll,
        'seconds-since-epoch': 999999999,
      }),
    );
    const objectRows = await fx.rods.rows(
      `select DATA_MODIFY_TIME where COLL_NAME = '${paged}' and DATA_NAME = 'file-05'`,
    );
    assert.deepEqual(objectRows, [['01712345678']]);
    const collectionRows = await fx.rods.rows(
      `select COLL_MODIFY_TIME where COLL_NAME = '${coll}'`,
    );
    assert.deepEqual(collectionRows, [['00999999999']]);
  });

  it('reports syntax errors and unknown columns as status codes with HTTP 200', async () => {
    const syntax = await query(`select DATA_NAME where COLL_NAME = '${paged}`);
    assert.equal(syntax.status, 200);
    assert.equal(parse(syntax).irods_response.status_code, -1084000);
    const column = await query('select NO_SUCH_COLUMN');
    assert.equal(column.status, 200);
    assert.equal(parse(column).irods_response.status_code, -1107000);
  });

  it('turns + in the query into a space, like every GET value', async () => {
    const base = `${ADMIN_HOME}/${unique('spaced')}`;
    await fx.rods.mkdir(base);
    await fx.rods.put(`${base}/a b`, 'x');
    const rows = await fx.rods.rows(
      `select DATA_NAME where COLL_NAME = '${base}' and DATA_NAME = 'a+b'`,
    );
    assert.deepEqual(rows, [['a b']]);
  });

  it('evaluates like, in, between and or-joined comparisons on one column', async () => {
    const like = await fx.rods.rows(
      `select DATA_NAME where COLL_NAME = '${paged}' and DATA_NAME like 'file-1%'`,
    );
    assert.deepEqual(
      like,
      names.slice(10).map((name) => [name]),
    );
    const within = await fx.rods.rows(
      `select DATA_NAME where COLL_NAME = '${paged}' and DATA_NAME in ('file-02', 'file-04', 'nope')`,
    );
    assert.deepEqual(within, [['file-02'], ['file-04']]);
    const between = await fx.rods.rows(
      `select DATA_NAME where COLL_NAME = '${paged}' and DATA_NAME between 'file-01' 'file-03'`,
    );
    assert.deepEqual(between, [['file-01'], ['file-02'], ['file-03']]);
    const either = await fx.rods.rows(
      `select DATA_NAME where COLL_NAME = '${paged}' and DATA_NAME = 'file-07' || = 'file-09'`,
    );
    assert.deepEqual(either, [['file-07'], ['file-09']]);
  });
});

describe('GenQuery1 paging (§5.3.1)', () => {
  it('returns at most 15 rows by default, ordered by DATA_NAME', async () => {
    const rows = await fx.rods.rows(inPaged());
    assert.deepEqual(
      rows,
      names.slice(0, 15).map((name) => [name]),
    );
  });

  it('clamps count to [1, 15]', async () => {
    assert.equal((await fx.rods.rows(inPaged(), { count: 100 })).length, 15);
    assert.deepEqual(await fx.rods.rows(inPaged(), { count: 0 }), [['file-00']]);
    assert.deepEqual(await fx.rods.rows(inPaged(), { count: -3 }), [['file-00']]);
    assert.deepEqual(await fx.rods.rows(inPaged(), { count: 2 }), [['file-00'], ['file-01']]);
  });

  it('pages with offset, treating a negative offset as 0', async () => {
    const seen: string[] = [];
    for (let offset = 0; ;) {
      const rows = await fx.rods.rows(inPaged(), { offset, count: 6 });
      seen.push(...rows.map((row) => row[0]!));
      offset += rows.length;
      if (rows.length < 6) break;
    }
    assert.deepEqual(seen, names);
    assert.deepEqual(await fx.rods.rows(inPaged(), { offset: 15 }), [['file-15'], ['file-16']]);
    assert.deepEqual(await fx.rods.rows(inPaged(), { offset: -4, count: 1 }), [['file-00']]);
    assert.deepEqual(await fx.rods.rows(inPaged(), { offset: 17 }), []);
  });

  it('answers 400 for invalid offset, count, case-sensitive, distinct or parser values', async () => {
    const invalid: Params[] = [
      { offset: 'x' },
      { count: 'x' },
      { 'case-sensitive': 2 },
      { 'case-sensitive': 'no' },
      { distinct: 'x' },
      { parser: 'genquery3' },
    ];
    for (const extra of invalid) {
      emptyError(await query(inPaged(), extra), 400);
    }
    emptyError(await fx.rods.get('/query', { op: 'execute_genquery' }), 400);
  });
});

describe('GenQuery1 options (§5.3.1)', () => {
  it('matches regardless of case with case-sensitive=0, returning stored values', async () => {
    const base = `${ADMIN_HOME}/${unique('Mixed')}`;
    await fx.rods.mkdir(base);
    const name = 'test_GenQuery1_CaSE_SENsiTIvE.TxT';
    await fx.rods.put(`${base}/${name}`, 'x');
    const q = `select DATA_NAME where COLL_NAME = '${base.toUpperCase()}' and DATA_NAME = '${name.toLowerCase()}'`;
    assert.deepEqual(await fx.rods.rows(q, { 'case-sensitive': 0 }), [[name]]);
    assert.deepEqual(await fx.rods.rows(q, { 'case-sensitive': 1 }), []);
    assert.deepEqual(await fx.rods.rows(q), []);
  });

  it('keeps duplicate rows with distinct=0', async () => {
    const lpath = `${paged}/file-08`;
    const operations = JSON.stringify([
      { operation: 'add', attribute: 'dup-key', value: 'one' },
      { operation: 'add', attribute: 'dup-key', value: 'two' },
    ]);
    ok(await fx.rods.postMultipart('/data-objects', { op: 'modify_metadata', lpath, operations }));
    const q = `select DATA_NAME where COLL_NAME = '${paged}' and META_DATA_ATTR_NAME = 'dup-key'`;
    assert.deepEqual(await fx.rods.rows(q), [['file-08']]);
    assert.deepEqual(await fx.rods.rows(q, { distinct: 1 }), [['file-08']]);
    assert.deepEqual(await fx.rods.rows(q, { distinct: 0 }), [['file-08'], ['file-08']]);
  });

  it('orders by an order_desc column before the implicit order', async () => {
    const base = `${ADMIN_HOME}/${unique('sized')}`;
    await fx.rods.mkdir(base);
    for (const [name, content] of [
      ['a', 'x'],
      ['b', 'xxx'],
      ['c', 'xx'],
      ['d', 'xx'],
    ]) {
      await fx.rods.put(`${base}/${name!}`, content!);
    }
    const rows = await fx.rods.rows(
      `select DATA_NAME, order_desc(DATA_SIZE) where COLL_NAME = '${base}'`,
    );
    assert.deepEqual(rows, [
      ['b', '3'],
      ['c', '2'],
      ['d', '2'],
      ['a', '1'],
    ]);
  });

  it('finds objects by AVU, the way the daemon looks up its sources', async () => {
    const lpath = `${paged}/file-11`;
    const operations = JSON.stringify([
      { operation: 'add', attribute: 'ingest.source', value: 'host:/data/file-11' },
    ]);
    ok(await fx.rods.postMultipart('/data-objects', { op: 'modify_metadata', lpath, operations }));
    const rows = await fx.rods.rows(
      "select COLL_NAME, DATA_NAME where META_DATA_ATTR_NAME = 'ingest.source' and META_DATA_ATTR_VALUE = 'host:/data/file-11'",
    );
    assert.deepEqual(rows, [[paged, 'file-11']]);
  });

  it('counts with an aggregate', async () => {
    const rows = await fx.rods.rows(`select count(DATA_NAME) where COLL_NAME = '${paged}'`);
    assert.deepEqual(rows, [['17']]);
  });
});
