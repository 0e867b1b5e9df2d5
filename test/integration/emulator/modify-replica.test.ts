import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ADMIN_HOME, code, emptyError, ok, unique, type Params, type Session } from './http.js';
import { useEmulatorSession } from './session.js';

// Spec §5.2.18 and upstream API.md "modify_replica" (0.7.0): rodsadmin only, `resource-hierarchy`
// or `replica-number` required, at least one `new-*` property, times as 11 zero-padded digits.

const fx = useEmulatorSession({ user: 'surgeon' });

function modify(session: Session, params: Params) {
  return session.post('/data-objects', { op: 'modify_replica', ...params });
}

async function newObject(content = 'hello world'): Promise<string> {
  const lpath = `${ADMIN_HOME}/${unique('replica')}`;
  await fx.rods.put(lpath, content);
  return lpath;
}

async function replicaRow(lpath: string, columns: string): Promise<string[]> {
  const name = lpath.slice(lpath.lastIndexOf('/') + 1);
  const rows = await fx.rods.rows(
    `select ${columns} where COLL_NAME = '${ADMIN_HOME}' and DATA_NAME = '${name}'`,
  );
  assert.equal(rows.length, 1);
  return rows[0]!;
}

describe('modify_replica', () => {
  it('marks a replica stale and good again, as the upstream suite does', async () => {
    const lpath = await newObject();
    ok(await modify(fx.rods, { lpath, 'replica-number': 0, 'new-data-replica-status': 0 }));
    assert.deepEqual(await replicaRow(lpath, 'DATA_REPL_STATUS'), ['0']);
    ok(await modify(fx.rods, { lpath, 'replica-number': 0, 'new-data-replica-status': 1 }));
    assert.deepEqual(await replicaRow(lpath, 'DATA_REPL_STATUS'), ['1']);
  });

  it('changes several properties in one call, visible in stat and GenQuery', async () => {
    const lpath = await newObject();
    const checksum = 'sha2:EweZDmulyhRes16ZGCqb7EZTG8VN32VqYCx4D6AkDe4=';
    ok(
      await modify(fx.rods, {
        lpath,
        'replica-number': 0,
        'new-data-size': 42,
        'new-data-checksum': checksum,
        'new-data-modify-time': '01700000000',
      }),
    );
    const stat = ok(await fx.rods.statObject(lpath));
    assert.equal(stat.size, 42);
    assert.equal(stat.checksum, checksum);
    assert.equal(stat.modified_at, 1700000000);
    assert.deepEqual(await replicaRow(lpath, 'DATA_SIZE, DATA_MODIFY_TIME'), ['42', '01700000000']);
  });

  it('selects the replica by resource hierarchy', async () => {
    const lpath = await newObject();
    ok(await modify(fx.rods, { lpath, 'resource-hierarchy': 'demoResc', 'new-data-size': 3 }));
    assert.equal(ok(await fx.rods.statObject(lpath)).size, 3);
  });

  it('clears a checksum when given an empty one', async () => {
    const lpath = await newObject();
    await fx.rods.checksum(lpath);
    ok(await modify(fx.rods, { lpath, 'replica-number': 0, 'new-data-checksum': '' }));
    assert.equal(ok(await fx.rods.statObject(lpath)).checksum, '');
  });

  it('refuses a rodsuser with CAT_INSUFFICIENT_PRIVILEGE_LEVEL, even on its own object', async () => {
    const lpath = `/tempZone/home/${fx.aliceName}/${unique('own')}`;
    await fx.alice.put(lpath, 'mine');
    const reply = await modify(fx.alice, { lpath, 'replica-number': 0, 'new-data-size': 1 });
    assert.equal(code(reply), -830000);
    assert.equal(ok(await fx.alice.statObject(lpath)).size, 4);
  });

  it('answers 400 with an empty body for missing lpath, replica selector or properties', async () => {
    const lpath = await newObject();
    emptyError(await modify(fx.rods, { 'replica-number': 0, 'new-data-size': 1 }), 400);
    emptyError(await modify(fx.rods, { lpath, 'new-data-size': 1 }), 400);
    emptyError(await modify(fx.rods, { lpath, 'replica-number': 0 }), 400);
  });

  it('answers 500 for a replica number std::stoi cannot parse', async () => {
    const lpath = await newObject();
    emptyError(await modify(fx.rods, { lpath, 'replica-number': 'one', 'new-data-size': 1 }), 500);
  });

  it('refuses the access time, which iRODS 4.3 does not have, with 400', async () => {
    const lpath = await newObject();
    const reply = await modify(fx.rods, {
      lpath,
      'replica-number': 0,
      'new-data-size': 1,
      'new-data-access-time': '01700000000',
    });
    emptyError(reply, 400);
    assert.equal(ok(await fx.rods.statObject(lpath)).size, 11);
  });

  it('reports a missing object, collection or replica with the catalog code', async () => {
    const lpath = await newObject();
    const missing = `${ADMIN_HOME}/${unique('absent')}`;
    const property = { 'new-data-size': 1 };
    assert.equal(
      code(await modify(fx.rods, { lpath: missing, 'replica-number': 0, ...property })),
      -817000,
    );
    assert.equal(
      code(await modify(fx.rods, { lpath: `${missing}/x`, 'replica-number': 0, ...property })),
      -814000,
    );
    assert.equal(code(await modify(fx.rods, { lpath, 'replica-number': 7, ...property })), -164000);
  });

  it('refuses a time that is not 11 zero-padded digits and changes nothing', async () => {
    const lpath = await newObject();
    const reply = await modify(fx.rods, {
      lpath,
      'replica-number': 0,
      'new-data-size': 1,
      'new-data-modify-time': '1700000000',
    });
    assert.equal(code(reply), -130000);
    assert.equal(ok(await fx.rods.statObject(lpath)).size, 11);
  });
});
