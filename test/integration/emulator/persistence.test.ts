import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startEmulator, type TestEmulator } from '../../helpers/emulator.js';
import { ADMIN_HOME, Session, ZONE, emptyError, ok, send, unique } from './http.js';

// Spec §2.2: restarting the HTTP API invalidates tokens and parallel-write handles, while the
// iRODS state behind it (objects, bytes, AVUs, ACLs, users) stays. The emulator is killed with
// SIGKILL, so everything acknowledged before must already be durable.

let emu: TestEmulator;

before(async () => {
  emu = await startEmulator();
});

after(async () => {
  await emu?.stop();
});

const SOME_DATA = 'sha2:EweZDmulyhRes16ZGCqb7EZTG8VN32VqYCx4D6AkDe4=';

describe('restart after SIGKILL', () => {
  it('keeps collections, bytes, checksums, mtimes, AVUs, ACLs and users; drops tokens and handles', async () => {
    const rods = await Session.login(emu);
    const base = `${ADMIN_HOME}/${unique('durable')}`;
    await rods.mkdir(`${base}/sub`);
    const file = `${base}/sub/data.bin`;
    const bytes = Buffer.from([0, 1, 2, 3, 255, 13, 10]);
    ok(await rods.headerWrite({ lpath: file }, bytes));
    const summed = `${base}/summed.txt`;
    await rods.put(summed, 'some data');
    assert.equal(await rods.checksum(summed), SOME_DATA);
    ok(
      await rods.post('/data-objects', {
        op: 'touch',
        lpath: summed,
        'seconds-since-epoch': 1712345678,
      }),
    );
    const operations = JSON.stringify([
      { operation: 'add', attribute: 'kept', value: 'yes', units: 'u' },
    ]);
    ok(
      await rods.postMultipart('/data-objects', { op: 'modify_metadata', lpath: file, operations }),
    );
    const userName = unique('survivor');
    await rods.createUser(userName, 'survivor-password');
    ok(
      await rods.post('/data-objects', {
        op: 'set_permission',
        lpath: file,
        'entity-name': userName,
        permission: 'read',
      }),
    );
    ok(await rods.post('/collections', { op: 'set_inheritance', lpath: base, enable: 1 }));
    const pending = ok(
      await rods.post('/data-objects', {
        op: 'parallel_write_init',
        lpath: `${base}/pending.txt`,
        'stream-count': 1,
      }),
    );
    const handle = String(pending.parallel_write_handle);
    const removed = `${base}/removed.txt`;
    await rods.put(removed, 'gone');
    ok(
      await rods.post('/data-objects', {
        op: 'remove',
        lpath: removed,
        'catalog-only': 0,
        'no-trash': 1,
      }),
    );

    await emu.restart();

    const stale = await send(emu, {
      path: '/collections',
      query: `op=stat&lpath=${ADMIN_HOME}`,
      headers: { authorization: `Bearer ${rods.token}` },
    });
    emptyError(stale, 401);
    const again = await Session.login(emu);
    emptyError(
      await again.postMultipart('/data-objects', {
        op: 'write',
        'parallel-write-handle': handle,
        'stream-index': 0,
        bytes: 'late',
      }),
      400,
    );
    ok(
      await again.post('/data-objects', {
        op: 'parallel_write_shutdown',
        'parallel-write-handle': handle,
      }),
    );

    assert.deepEqual(await again.content(file), bytes);
    const stat = ok(await again.statObject(summed));
    assert.equal(stat.checksum, SOME_DATA);
    assert.equal(stat.modified_at, 1712345678);
    assert.equal(stat.size, 9);
    assert.equal(ok(await again.statCollection(base)).inheritance_enabled, true);
    const list = ok(await again.get('/collections', { op: 'list', lpath: base }));
    assert.deepEqual(
      [...(list.entries as string[])].filter((p) => !p.endsWith('/pending.txt')).sort(),
      [`${base}/sub`, summed].sort(),
    );
    const avus = await again.rows(
      `select META_DATA_ATTR_NAME, META_DATA_ATTR_VALUE, META_DATA_ATTR_UNITS where COLL_NAME = '${base}/sub' and DATA_NAME = 'data.bin'`,
    );
    assert.deepEqual(avus, [['kept', 'yes', 'u']]);

    const survivor = await Session.login(emu, userName, 'survivor-password');
    assert.deepEqual(await survivor.content(file), bytes);
    ok(await survivor.statCollection(`/${ZONE}/home/${userName}`));
  });

  it('keeps accepting writes after a restart and keeps them over the next one', async () => {
    const first = await Session.login(emu);
    const lpath = `${ADMIN_HOME}/${unique('twice')}`;
    await first.put(lpath, 'one');
    await emu.restart();
    const second = await Session.login(emu);
    ok(
      await second.postMultipart('/data-objects', { op: 'write', lpath, bytes: 'two', append: 1 }),
    );
    await emu.restart();
    const third = await Session.login(emu);
    assert.equal((await third.content(lpath)).toString(), 'onetwo');
  });
});
