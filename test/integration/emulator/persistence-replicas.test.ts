import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startEmulator, type TestEmulator } from '../../helpers/emulator.js';
import { ADMIN_HOME, Session, ok, unique } from './http.js';

// The emulator's state survives a SIGKILL (journal) and a compaction (snapshot) with resources,
// hierarchies, replicas and user AVUs; and a root written before resources were modelled still
// loads (records.ts describes both layouts).

let root: string;
let emu: TestEmulator;
let rods: Session;

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'emulator-durable-'));
  // A low compaction threshold, so that the state is split between snapshot and journal; an
  // iRODS 5 server, whose replicas have access times of their own.
  emu = await startEmulator({
    root,
    config: { emulator: { journal_compaction_threshold: 7, irods_server_version: 'rods5.0.2' } },
  });
  rods = await Session.login(emu);
});

after(async () => {
  await emu?.stop();
  if (root) await rm(root, { recursive: true, force: true });
});

describe('restart after SIGKILL, with resources and replicas', () => {
  it('keeps resources, hierarchies, replicas, their states and times, and user AVUs', async () => {
    const repl = unique('repl');
    await rods.createResource(repl, 'replication');
    const children = [unique('a'), unique('b')];
    for (const child of children) {
      await rods.createResource(child, 'unixfilesystem', {
        host: 'localhost',
        'vault-path': join(root, child),
      });
      await rods.addChild(repl, child);
    }
    const modify = { op: 'modify', name: repl, property: 'status', value: 'down' };
    ok(await rods.post('/resources', modify));
    const avu = JSON.stringify([{ operation: 'add', attribute: 'tier', value: 'gold' }]);
    ok(
      await rods.postMultipart('/resources', {
        op: 'modify_metadata',
        name: repl,
        operations: avu,
      }),
    );
    const userName = unique('user');
    await rods.createUser(userName, 'pw');
    ok(
      await rods.postMultipart('/users-groups', {
        op: 'modify_metadata',
        name: userName,
        operations: avu,
      }),
    );
    ok(
      await rods.post('/users-groups', {
        op: 'set_user_type',
        name: userName,
        zone: 'tempZone',
        'new-user-type': 'groupadmin',
      }),
    );
    const lpath = `${ADMIN_HOME}/${unique('replicated')}`;
    ok(
      await rods.postMultipart('/data-objects', {
        op: 'write',
        lpath,
        resource: repl,
        bytes: 'durable',
      }),
    );
    ok(
      await rods.postMultipart('/data-objects', {
        op: 'replicate',
        lpath,
        'dst-resource': 'demoResc',
      }),
    );
    ok(
      await rods.postMultipart('/data-objects', {
        op: 'write',
        lpath,
        'replica-number': 2,
        bytes: 'newest',
      }),
    );
    ok(
      await rods.post('/data-objects', {
        op: 'modify_replica',
        lpath,
        'replica-number': 0,
        'new-data-access-time': '01700000000',
      }),
    );
    const columns =
      'DATA_RESC_HIER, DATA_REPL_STATUS, DATA_SIZE, DATA_PATH, DATA_MODIFY_TIME, DATA_ACCESS_TIME';
    const replicasBefore = await rods.replicaRows(lpath, columns);
    const resourceQuery = `select RESC_NAME, RESC_STATUS, RESC_PARENT, META_RESC_ATTR_VALUE where META_RESC_ATTR_NAME = 'tier'`;
    const resourcesBefore = await rods.rows(resourceQuery);
    const userQuery = `select USER_NAME, USER_TYPE, META_USER_ATTR_VALUE where META_USER_ATTR_NAME = 'tier'`;

    await emu.restart();
    rods = await Session.login(emu);

    assert.deepEqual(await rods.replicaRows(lpath, columns), replicasBefore);
    assert.deepEqual(
      replicasBefore.map((row) => row.slice(1, 3)),
      [
        [`${repl};${children[0]}`, '0'],
        [`${repl};${children[1]}`, '0'],
        ['demoResc', '1'],
      ],
    );
    assert.equal(replicasBefore[0]![6], '01700000000');
    assert.deepEqual(await rods.rows(resourceQuery), resourcesBefore);
    assert.deepEqual(resourcesBefore, [[repl, 'down', '', 'gold']]);
    assert.deepEqual(await rods.rows(userQuery), [[userName, 'groupadmin', 'gold']]);
    // The tree still works: a write through it lands on both children again.
    ok(
      await rods.postMultipart('/data-objects', {
        op: 'write',
        lpath,
        resource: repl,
        bytes: 'after',
      }),
    );
    const statuses = (await rods.replicaRows(lpath, 'DATA_REPL_STATUS')).map((row) => row[1]);
    assert.deepEqual(statuses, ['1', '1', '0']);
  });
});

describe('a root written before resources were modelled', () => {
  it('loads: replicas land on the resource they named, with their bytes and checksums', async () => {
    const old = await mkdtemp(join(tmpdir(), 'emulator-old-layout-'));
    try {
      const vaultFile = join(old, 'vault', 'demoResc', 'home', 'rods', 'old.txt');
      const retired = join(old, 'retired.bin');
      await mkdir(join(old, 'vault', 'demoResc', 'home', 'rods'), { recursive: true });
      await writeFile(vaultFile, 'old bytes');
      await writeFile(retired, 'on a resource no longer declared');
      // Lines exactly as the emulator wrote them before this layout (user, coll, data records;
      // replicas naming their resource), split between snapshot and journal.
      const t = 1712345678;
      const coll = (id: number, parent: number, name: string, acl: string) =>
        `{"k":"coll","id":${id},"parent":${parent},"name":"${name}","owner":"rods","ct":${t},"mt":${t},"inh":false,"acl":${acl},"avus":[]}`;
      const both = '[["rods",1200],["public",1050]]';
      const replica = (number: number, resource: string, path: string, size: number, sum: string) =>
        `{"number":${number},"resource":"${resource}","physicalPath":"${path}","size":${size},"checksum":"${sum}","status":1,"createTime":${t},"modifyTime":${t}}`;
      const snapshot = [
        `{"k":"user","id":10000,"name":"rods","type":"rodsadmin","pw":"rods","ct":${t},"members":[]}`,
        `{"k":"user","id":10001,"name":"public","type":"rodsgroup","pw":"","ct":${t},"members":[]}`,
        coll(10002, 0, '', both),
        coll(10003, 10002, 'tempZone', both),
        coll(10004, 10003, 'home', both),
        coll(10005, 10004, 'rods', '[["rods",1200]]'),
        coll(10006, 10004, 'public', both),
        coll(10007, 10003, 'trash', both),
        coll(10008, 10007, 'home', both),
        coll(10009, 10008, 'rods', '[["rods",1200]]'),
      ];
      const journal = [
        `{"k":"data","id":10010,"coll":10005,"name":"old.txt","owner":"rods","ct":${t},"acl":[["rods",1200]],"avus":[{"id":10011,"attribute":"a","value":"v","units":""}],"replicas":[${replica(0, 'demoResc', vaultFile, 9, 'sha2:tN3ez4EyAfSoPyrnH2+hoD6pYcNzjj2n//lIWcWtHBc=')}]}`,
        `{"k":"data","id":10012,"coll":10005,"name":"retired.bin","owner":"rods","ct":${t},"acl":[["rods",1200]],"avus":[],"replicas":[${replica(0, 'oldResc', retired, 32, '')}]}`,
      ];
      await writeFile(join(old, 'catalog.snapshot.jsonl'), `${snapshot.join('\n')}\n`);
      await writeFile(join(old, 'catalog.journal.jsonl'), `${journal.join('\n')}\n`);

      const loaded = await startEmulator({ root: old });
      try {
        const admin = await Session.login(loaded);
        const lpath = `${ADMIN_HOME}/old.txt`;
        assert.equal((await admin.content(lpath)).toString(), 'old bytes');
        assert.deepEqual(
          await admin.replicaRows(
            lpath,
            'DATA_RESC_HIER, DATA_PATH, DATA_MODIFY_TIME, DATA_ACCESS_TIME',
          ),
          [['0', 'demoResc', vaultFile, '01712345678', '01712345678']],
        );
        ok(await admin.get('/data-objects', { op: 'verify_checksum', lpath }));
        const retiredPath = `${ADMIN_HOME}/retired.bin`;
        assert.deepEqual(await admin.replicaRows(retiredPath, 'RESC_NAME, RESC_TYPE_NAME'), [
          ['0', 'oldResc', 'unixfilesystem'],
        ]);
        assert.equal(
          (await admin.content(retiredPath)).toString(),
          'on a resource no longer declared',
        );
        // New ids do not collide with the old ones (the AVU id 10011 included).
        ok(
          await admin.postMultipart('/data-objects', {
            op: 'write',
            lpath: `${ADMIN_HOME}/new.txt`,
            bytes: 'n',
          }),
        );
        const ids = await admin.rows(
          `select DATA_ID where COLL_NAME = '${ADMIN_HOME}' and DATA_NAME = 'new.txt'`,
        );
        assert.ok(Number(ids[0]![0]) > 10012);
        await loaded.restart();
        assert.equal((await (await Session.login(loaded)).content(lpath)).toString(), 'old bytes');
      } finally {
        await loaded.stop();
      }
      // A config that contradicts the stored resources is refused, naming the entry.
      const contradiction = {
        emulator: {
          resources: [
            { name: 'demoResc', type: 'unixfilesystem' },
            { name: 'oldResc', type: 'passthru' },
          ],
        },
      };
      await assert.rejects(
        startEmulator({ root: old, config: contradiction }),
        /"emulator.resources\[1\]" declares passthru resource "oldResc", but the catalog under --root holds it as unixfilesystem/,
      );
    } finally {
      await rm(old, { recursive: true, force: true });
    }
  });
});
