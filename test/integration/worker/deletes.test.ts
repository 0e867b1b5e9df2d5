import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { JobConfig } from '../../../src/config/index.js';
import { syncFile } from '../../../src/worker/actions.js';
import { deleteEntry } from '../../../src/worker/deletes.js';
import { syncDirectory } from '../../../src/worker/directories.js';
import { WorkerError } from '../../../src/worker/errors.js';
import { useClientFixture } from '../irods/setup.js';
import { job, Records, sourceDir, taskFor } from './fixture.js';

describe('worker deletes', () => {
  const fx = useClientFixture();

  /** A source with dir/a and dir/sub/b synced per `spec`. */
  async function synced(overrides: Partial<JobConfig>) {
    const source = await sourceDir(fx);
    const spec = job(source, overrides);
    await mkdir(join(source, 'dir/sub'), { recursive: true });
    await writeFile(join(source, 'dir/a'), 'A');
    await writeFile(join(source, 'dir/sub/b'), 'B');
    const records = new Records();
    const deps = records.deps(fx, spec);
    await syncDirectory(deps, await taskFor(spec, 'dir'));
    for (const rel of ['dir/a', 'dir/sub/b'])
      await syncFile(deps, await taskFor(spec, rel), undefined);
    return { spec, records, deps, source };
  }

  const file = (spec: JobConfig, rel: string) => ({
    relPath: Buffer.from(rel),
    logicalPath: `${spec.target}/${rel}`,
    type: 'file' as const,
  });
  const dir = (spec: JobConfig, rel: string) => ({ ...file(spec, rel), type: 'dir' as const });

  it('unregisters a file: the catalog entry goes, the file stays', async () => {
    const { spec, records, deps, source } = await synced({
      operation: 'register',
      delete: 'unregister',
    });
    assert.deepEqual(await deleteEntry(deps, file(spec, 'dir/a')), { removed: true });
    assert.equal(await fx.client.dataObjects.stat(`${spec.target}/dir/a`), undefined);
    assert.equal(await readFile(join(source, 'dir/a'), 'utf8'), 'A');
    assert.deepEqual(records.forgotten, ['dir/a']);
    assert.deepEqual(
      await deleteEntry(deps, file(spec, 'dir/a')),
      { removed: false },
      'repeating is harmless',
    );
  });

  it('unregisters a directory tree and removes its collections, keeping every file', async () => {
    const { spec, deps, source } = await synced({ operation: 'register', delete: 'unregister' });
    assert.deepEqual(await deleteEntry(deps, dir(spec, 'dir')), { removed: true });
    assert.equal(await fx.client.collections.stat(`${spec.target}/dir`), undefined);
    assert.equal(await readFile(join(source, 'dir/sub/b'), 'utf8'), 'B');
    assert.notEqual(await fx.client.collections.stat(spec.target), undefined);
  });

  it('moves a file to the trash', async () => {
    const { spec, deps } = await synced({ operation: 'put_sync', delete: 'trash' });
    await deleteEntry(deps, file(spec, 'dir/a'));
    assert.equal(await fx.client.dataObjects.stat(`${spec.target}/dir/a`), undefined);
    const trashed = await fx.client.query.rows({
      select: ['DATA_NAME'],
      where: [
        { column: 'COLL_NAME', op: 'like', value: '/tempZone/trash/home/rods/%' },
        { column: 'DATA_NAME', op: '=', value: 'a' },
      ],
    });
    assert.ok(trashed.length > 0);
  });

  it('deletes a directory tree for good with no_trash', async () => {
    const { spec, deps } = await synced({ operation: 'put_sync', delete: 'no_trash' });
    assert.deepEqual(await deleteEntry(deps, dir(spec, 'dir')), { removed: true });
    assert.equal(await fx.client.collections.stat(`${spec.target}/dir`), undefined);
  });

  it('leaves what the job did not record below a vanished directory, and its collection', async () => {
    const { spec, deps, source } = await synced({ operation: 'put_sync', delete: 'no_trash' });
    const foreign = join(source, 'foreign.txt');
    await writeFile(foreign, 'a person put this');
    await fx.client.upload(foreign, `${spec.target}/dir/sub/foreign.txt`);
    const outcome = await deleteEntry(deps, dir(spec, 'dir'));
    assert.deepEqual(outcome, { removed: true, stays: 'not-empty' });
    assert.deepEqual(await fx.client.collections.list(`${spec.target}/dir`), [
      `${spec.target}/dir/sub`,
    ]);
    assert.deepEqual(await fx.client.collections.list(`${spec.target}/dir/sub`), [
      `${spec.target}/dir/sub/foreign.txt`,
    ]);
  });

  it('does not unregister an object with a replica the job did not register', async () => {
    const { spec, deps, source } = await synced({ operation: 'register', delete: 'unregister' });
    const own = join(source, '..', `own-${spec.name}.txt`);
    await writeFile(own, 'registered by a person');
    await fx.client.dataObjects.register(`${spec.target}/dir/own.txt`, {
      physicalPath: own,
      resource: 'demoResc',
    });
    assert.deepEqual(await deleteEntry(deps, file(spec, 'dir/own.txt')), {
      removed: false,
      stays: 'not-owned',
    });
    assert.notEqual(await fx.client.dataObjects.stat(`${spec.target}/dir/own.txt`), undefined);
  });

  it('keeps the object with delete = keep and forgets the state of the vanished file', async () => {
    const { spec, records, deps } = await synced({ operation: 'put_sync', delete: 'keep' });
    assert.deepEqual(await deleteEntry(deps, file(spec, 'dir/a')), { removed: false });
    assert.notEqual(await fx.client.dataObjects.stat(`${spec.target}/dir/a`), undefined);
    assert.equal(records.forgotten.length, 1);
  });

  it('never deletes the job target itself or anything outside it', async () => {
    const { spec, deps } = await synced({ operation: 'put_sync', delete: 'no_trash' });
    for (const logicalPath of [spec.target, '/tempZone/home/rods', `${spec.target}-other/x`]) {
      await assert.rejects(
        deleteEntry(deps, { relPath: Buffer.from(''), logicalPath, type: 'dir' }),
        (error: unknown) =>
          error instanceof WorkerError &&
          error.code === 'WORKER_TARGET_PROTECTED' &&
          !error.retryable,
      );
    }
    assert.notEqual(await fx.client.collections.stat(spec.target), undefined);
    assert.notEqual(await fx.client.dataObjects.stat(`${spec.target}/dir/sub/b`), undefined);
  });
});
