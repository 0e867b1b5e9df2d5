import assert from 'node:assert/strict';
import { readFile, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { IrodsClient } from '../../../src/irods/index.js';
import { syncFile } from '../../../src/worker/actions.js';
import { startEmulator } from '../../helpers/emulator.js';
import { connect, localDir, removeLocalDir, type ClientFixture } from '../irods/setup.js';
import { job, Records, sha2, sourceDir, taskFor } from './fixture.js';

// Jobs whose `resource` is not the default one, on an emulator with a second unixfilesystem
// resource and a replication resource over two children (irods-http-api.md §7.1, §7.2).

const MTIME = new Date('2021-03-04T05:06:07Z');

function useResourceFixture(config: Record<string, unknown> = {}): ClientFixture {
  const fixture = {} as ClientFixture;
  before(async () => {
    fixture.emulator = await startEmulator({
      config: {
        ...config,
        emulator: {
          ...(config.emulator as object),
          resources: [
            { name: 'demoResc', type: 'unixfilesystem' },
            { name: 'second', type: 'unixfilesystem' },
            { name: 'repl', type: 'replication' },
            { name: 'ra', type: 'unixfilesystem', parent: 'repl' },
            { name: 'rb', type: 'unixfilesystem', parent: 'repl' },
          ],
        },
      },
    });
    fixture.client = await connect(fixture.emulator);
    fixture.dir = await localDir();
  });
  after(async () => {
    await fixture.client?.close();
    await fixture.emulator?.stop();
    if (fixture.dir !== undefined) await removeLocalDir(fixture.dir);
  });
  return fixture;
}

async function replicaRows(client: IrodsClient, lpath: string) {
  const slash = lpath.lastIndexOf('/');
  const rows = await client.query.rows({
    select: [
      'DATA_REPL_NUM',
      'DATA_RESC_HIER',
      'DATA_REPL_STATUS',
      'DATA_SIZE',
      'DATA_PATH',
      'DATA_CHECKSUM',
    ],
    where: [
      { column: 'COLL_NAME', op: '=', value: lpath.slice(0, slash) },
      { column: 'DATA_NAME', op: '=', value: lpath.slice(slash + 1) },
    ],
  });
  return rows.sort((a, b) => Number(a.DATA_REPL_NUM) - Number(b.DATA_REPL_NUM));
}

describe('jobs with a resource', () => {
  const fx = useResourceFixture();

  it('register_replica adds the file as a good replica on a second resource, with its checksum', async () => {
    const source = await sourceDir(fx);
    const spec = job(source, {
      operation: 'register_replica',
      resource: 'second',
      checksum: 'register',
    });
    await writeFile(join(source, 'twin.bin'), 'replica bytes');
    const task = await taskFor(spec, 'twin.bin');
    await fx.client.collections.ensure(spec.target);
    await fx.client.upload(task.sourcePath, task.logicalPath);
    await syncFile(new Records().deps(fx, spec), task, undefined);
    const rows = await replicaRows(fx.client, task.logicalPath);
    assert.deepEqual(
      rows.map((row) => [row.DATA_REPL_NUM, row.DATA_RESC_HIER, row.DATA_REPL_STATUS]),
      [
        ['0', 'demoResc', '0'],
        ['1', 'second', '1'],
      ],
      'registering a replica makes the other one stale, as the server does',
    );
    assert.equal(rows[1]!.DATA_PATH, task.sourcePath);
    assert.equal(rows[1]!.DATA_SIZE, '13');
    assert.equal(rows[1]!.DATA_CHECKSUM, sha2('replica bytes'));
    assert.equal((await fx.client.dataObjects.read(task.logicalPath)).toString(), 'replica bytes');
  });

  it('a put_sync into a replication resource lands two good replicas with the file bytes', async () => {
    const source = await sourceDir(fx);
    const spec = job(source, { operation: 'put_sync', resource: 'repl', checksum: 'verify' });
    await writeFile(join(source, 'both.txt'), 'replicated content');
    await utimes(join(source, 'both.txt'), MTIME, MTIME);
    const records = new Records();
    const task = await taskFor(spec, 'both.txt');
    await syncFile(records.deps(fx, spec), task, undefined);
    const rows = await replicaRows(fx.client, task.logicalPath);
    assert.deepEqual(
      rows.map((row) => [row.DATA_RESC_HIER, row.DATA_REPL_STATUS, row.DATA_SIZE]),
      [
        ['repl;ra', '1', '18'],
        ['repl;rb', '1', '18'],
      ],
    );
    for (const row of rows)
      assert.equal(await readFile(row.DATA_PATH, 'utf8'), 'replicated content');
    const stat = await fx.client.dataObjects.stat(task.logicalPath);
    assert.equal(stat?.checksum, sha2('replicated content'));
    assert.equal(records.states.get('both.txt')?.size, 18);
    // A changed file goes to both replicas again.
    await writeFile(join(source, 'both.txt'), 'second version');
    const again = await taskFor(spec, 'both.txt');
    await syncFile(records.deps(fx, spec), again, records.states.get('both.txt'));
    const updated = await replicaRows(fx.client, task.logicalPath);
    assert.deepEqual(
      updated.map((row) => [row.DATA_REPL_STATUS, row.DATA_SIZE]),
      [
        ['1', '14'],
        ['1', '14'],
      ],
    );
  });

  it('a put job naming a child resource fails for good with the server error; nothing is created', async () => {
    const source = await sourceDir(fx);
    const spec = job(source, { operation: 'put_sync', resource: 'ra' });
    await writeFile(join(source, 'direct.txt'), 'to a child');
    const records = new Records();
    const task = await taskFor(spec, 'direct.txt');
    await assert.rejects(syncFile(records.deps(fx, spec), task, undefined), (error: unknown) => {
      const failure = error as { irodsCode?: number; retryable?: boolean; message: string };
      assert.equal(failure.irodsCode, -175000, failure.message);
      assert.equal(failure.retryable, false);
      return true;
    });
    assert.equal(records.states.size, 0);
    assert.equal(await fx.client.dataObjects.stat(task.logicalPath), undefined);
  });
});

describe('jobs with a resource, on a server that exposes open error codes', () => {
  const fx = useResourceFixture({ emulator: { dstream_exposes_irods_error_codes: true } });

  it('a put job naming a child resource fails with DIRECT_CHILD_ACCESS', async () => {
    const source = await sourceDir(fx);
    const spec = job(source, { operation: 'put', resource: 'rb' });
    await writeFile(join(source, 'direct.txt'), 'to a child');
    const task = await taskFor(spec, 'direct.txt');
    await assert.rejects(
      syncFile(new Records().deps(fx, spec), task, undefined),
      (error: unknown) => {
        const failure = error as { irodsCode?: number; retryable?: boolean; message: string };
        assert.equal(failure.irodsCode, -1816000, failure.message);
        assert.match(failure.message, /DIRECT_CHILD_ACCESS/);
        assert.equal(failure.retryable, false);
        return true;
      },
    );
  });

  it('a register job naming a child resource registers onto that leaf, as the server allows', async () => {
    const source = await sourceDir(fx);
    const spec = job(source, { operation: 'register', resource: 'rb' });
    await writeFile(join(source, 'leaf.txt'), 'on the leaf');
    const task = await taskFor(spec, 'leaf.txt');
    await syncFile(new Records().deps(fx, spec), task, undefined);
    const rows = await replicaRows(fx.client, task.logicalPath);
    assert.deepEqual(
      rows.map((row) => [row.DATA_RESC_HIER, row.DATA_PATH]),
      [['repl;rb', task.sourcePath]],
    );
  });
});
