import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { describe, it } from 'node:test';
import { ADMIN_HOME, code, ok, sha2, unique } from './http.js';
import { useEmulatorSession } from './session.js';

// Spec §7.1/§7.2 and upstream test_resources_endpoint.test_common_operations: a write into a
// replication resource closes only after the resource has copied the replica to its other
// children (synchronous replication on close), so every child holds a good replica.

const fx = useEmulatorSession({
  emulator: {
    config: {
      emulator: {
        resources: [
          { name: 'demoResc', type: 'unixfilesystem' },
          { name: 'repl', type: 'replication' },
          { name: 'a', type: 'unixfilesystem', parent: 'repl' },
          { name: 'pt', type: 'passthru', parent: 'repl' },
          { name: 'b', type: 'unixfilesystem', parent: 'pt' },
          { name: 'empty', type: 'replication' },
        ],
      },
    },
  },
});

async function replicas(lpath: string) {
  return fx.rods.replicaRows(
    lpath,
    'DATA_RESC_HIER, RESC_NAME, DATA_REPL_STATUS, DATA_SIZE, DATA_PATH',
  );
}

async function assertTwoGoodCopies(lpath: string, bytes: string): Promise<void> {
  const rows = await replicas(lpath);
  assert.deepEqual(
    rows.map((row) => row.slice(0, 5)),
    [
      ['0', 'repl;a', 'a', '1', String(bytes.length)],
      ['1', 'repl;pt;b', 'b', '1', String(bytes.length)],
    ],
  );
  for (const row of rows) assert.equal(await readFile(row[5]!, 'utf8'), bytes, row[1]);
  for (const resource of ['repl']) {
    const read = await fx.rods.get('/data-objects', { op: 'read', lpath, resource });
    assert.equal(read.text, bytes);
  }
}

describe('a replication resource', () => {
  it('lands a write on its first child and copies it to the others before answering', async () => {
    const lpath = `${ADMIN_HOME}/${unique('replicated')}`;
    ok(
      await fx.rods.postMultipart('/data-objects', {
        op: 'write',
        lpath,
        resource: 'repl',
        bytes: 'twice',
      }),
    );
    await assertTwoGoodCopies(lpath, 'twice');
  });

  it('replicates a header-form write and a parallel write at their close', async () => {
    const lpath = `${ADMIN_HOME}/${unique('header')}`;
    ok(await fx.rods.headerWrite({ lpath, resource: 'repl' }, 'header form'));
    await assertTwoGoodCopies(lpath, 'header form');
    const parallel = `${ADMIN_HOME}/${unique('parallel')}`;
    const init = {
      op: 'parallel_write_init',
      lpath: parallel,
      resource: 'repl',
      'stream-count': 2,
    };
    const handle = String(ok(await fx.rods.post('/data-objects', init)).parallel_write_handle);
    ok(
      await fx.rods.headerWrite(
        { 'parallel-write-handle': handle, 'stream-index': 1, offset: 5 },
        'world',
      ),
    );
    ok(
      await fx.rods.headerWrite(
        { 'parallel-write-handle': handle, 'stream-index': 0, offset: 0 },
        'hello',
      ),
    );
    assert.equal((await replicas(parallel)).length, 1, 'one intermediate replica until shutdown');
    ok(
      await fx.rods.post('/data-objects', {
        op: 'parallel_write_shutdown',
        'parallel-write-handle': handle,
      }),
    );
    await assertTwoGoodCopies(parallel, 'helloworld');
  });

  it('refreshes every replica when one of them is written, even by number', async () => {
    const lpath = `${ADMIN_HOME}/${unique('updated')}`;
    ok(
      await fx.rods.postMultipart('/data-objects', {
        op: 'write',
        lpath,
        resource: 'repl',
        bytes: 'v1',
      }),
    );
    ok(
      await fx.rods.postMultipart('/data-objects', {
        op: 'write',
        lpath,
        'replica-number': 1,
        bytes: 'v2!',
      }),
    );
    await assertTwoGoodCopies(lpath, 'v2!');
    assert.equal(await fx.rods.checksum(lpath, { 'replica-number': 0 }), sha2('v2!'));
  });

  it('refuses a write to one of its children and one to a replication resource without children', async () => {
    const child = `${ADMIN_HOME}/${unique('child')}`;
    const direct = await fx.rods.postMultipart('/data-objects', {
      op: 'write',
      lpath: child,
      resource: 'a',
      bytes: 'x',
    });
    assert.equal(code(direct), -175000);
    const empty = `${ADMIN_HOME}/${unique('empty')}`;
    const none = await fx.rods.postMultipart('/data-objects', {
      op: 'write',
      lpath: empty,
      resource: 'empty',
      bytes: 'x',
    });
    assert.equal(code(none), -175000);
    assert.equal(code(await fx.rods.statObject(empty)), -171000, 'nothing was created');
  });

  it('replicate into it gives each child a replica', async () => {
    const lpath = `${ADMIN_HOME}/${unique('elsewhere')}`;
    await fx.rods.put(lpath, 'from demoResc');
    ok(await fx.rods.post('/data-objects', { op: 'replicate', lpath, 'dst-resource': 'repl' }));
    const rows = await fx.rods.replicaRows(lpath, 'DATA_RESC_HIER, DATA_REPL_STATUS');
    assert.deepEqual(rows, [
      ['0', 'demoResc', '1'],
      ['1', 'repl;a', '1'],
      ['2', 'repl;pt;b', '1'],
    ]);
  });
});
