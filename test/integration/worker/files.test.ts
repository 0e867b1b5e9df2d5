import assert from 'node:assert/strict';
import { appendFile, mkdir, rm, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { decideFile } from '../../../src/core/decide.js';
import { ENTITY } from '../../../src/irods/index.js';
import { performFileAction, syncFile } from '../../../src/worker/actions.js';
import { syncDirectory } from '../../../src/worker/directories.js';
import { WorkerError } from '../../../src/worker/errors.js';
import { useClientFixture } from '../irods/setup.js';
import { job, Records, sha2, sourceDir, taskFor, withFile, withPreHook } from './fixture.js';

const MTIME = new Date('2021-03-04T05:06:07Z');
const MTIME_S = MTIME.getTime() / 1000;

describe('worker file actions', () => {
  const fx = useClientFixture();

  async function objectRows(lpath: string) {
    const slash = lpath.lastIndexOf('/');
    return fx.client.query.rows({
      select: ['DATA_PATH', 'DATA_SIZE', 'DATA_REPL_NUM', 'DATA_REPL_STATUS'],
      where: [
        { column: 'COLL_NAME', op: '=', value: lpath.slice(0, slash) },
        { column: 'DATA_NAME', op: '=', value: lpath.slice(slash + 1) },
      ],
    });
  }

  it('registers a new file in place with its size, mtime, checksum and the job AVUs', async () => {
    const source = await sourceDir(fx);
    const spec = job(source, {
      operation: 'register',
      checksum: 'register',
      metadata: { instrument: 'm1' },
    });
    await writeFile(join(source, 'a b#1.txt'), 'registered bytes');
    await utimes(join(source, 'a b#1.txt'), MTIME, MTIME);
    const records = new Records();
    const task = await taskFor(spec, 'a b#1.txt');
    const outcome = await syncFile(records.deps(fx, spec), task, undefined);
    assert.equal(outcome.action.kind, 'register');
    const [row] = await objectRows(task.logicalPath);
    assert.equal(row?.DATA_PATH, task.sourcePath);
    const stat = await fx.client.dataObjects.stat(task.logicalPath);
    assert.equal(stat?.size, 16);
    assert.equal(stat?.modifiedAt, MTIME_S);
    assert.equal(stat?.checksum, sha2('registered bytes'));
    const avus = await fx.client.metadata.list(ENTITY.dataObject, task.logicalPath);
    assert.deepEqual(avus, [{ attribute: 'instrument', value: 'm1', units: '' }]);
    assert.deepEqual(records.states.get('a b#1.txt'), {
      type: 'file',
      size: 16,
      mtimeNs: task.entry.mtimeNs,
      ino: task.entry.ino,
      ctimeNs: task.entry.ctimeNs,
    });
  });

  it('updates a changed registration in place: size, mtime and checksum, AVUs kept', async () => {
    const source = await sourceDir(fx);
    const spec = job(source, { operation: 'register', checksum: 'verify', metadata: { k: 'v' } });
    const file = join(source, 'data.csv');
    await writeFile(file, 'v1');
    const records = new Records();
    await syncFile(records.deps(fx, spec), await taskFor(spec, 'data.csv'), undefined);
    await writeFile(file, 'version two, longer');
    await utimes(file, MTIME, MTIME);
    const task = await taskFor(spec, 'data.csv');
    const outcome = await syncFile(records.deps(fx, spec), task, records.states.get('data.csv'));
    assert.equal(outcome.action.kind, 'update-registration');
    const rows = await objectRows(task.logicalPath);
    assert.equal(rows.length, 1, 'still one replica');
    const stat = await fx.client.dataObjects.stat(task.logicalPath);
    assert.equal(stat?.size, 19);
    assert.equal(stat?.modifiedAt, MTIME_S);
    assert.equal(stat?.checksum, sha2('version two, longer'));
    assert.equal((await fx.client.metadata.list(ENTITY.dataObject, task.logicalPath)).length, 1);
    assert.equal(records.states.get('data.csv')?.size, 19);
  });

  it('registers a changed file again when its object and collection were removed', async () => {
    const source = await sourceDir(fx);
    const spec = job(source, { operation: 'register' });
    await mkdir(join(source, 'run'));
    const file = join(source, 'run', 'data.csv');
    await writeFile(file, 'v1');
    const records = new Records();
    const first = await taskFor(spec, 'run/data.csv');
    await syncFile(records.deps(fx, spec), first, undefined);
    const collection = first.logicalPath.slice(0, first.logicalPath.lastIndexOf('/'));
    assert.equal(await fx.client.collections.remove(collection, { recursive: true }), true);
    await writeFile(file, 'version two');
    const task = await taskFor(spec, 'run/data.csv');
    const outcome = await syncFile(
      records.deps(fx, spec),
      task,
      records.states.get('run/data.csv'),
    );
    assert.equal(outcome.action.kind, 'update-registration');
    const [row] = await objectRows(task.logicalPath);
    assert.equal(row?.DATA_PATH, task.sourcePath);
    assert.equal((await fx.client.dataObjects.stat(task.logicalPath))?.size, 11);
  });

  it('registers a file as one more replica of an existing object (register_replica)', async () => {
    const source = await sourceDir(fx);
    const spec = job(source, { operation: 'register_replica' });
    await writeFile(join(source, 'r.bin'), 'replica bytes');
    const task = await taskFor(spec, 'r.bin');
    await fx.client.collections.ensure(spec.target);
    await fx.client.upload(task.sourcePath, task.logicalPath);
    await syncFile(new Records().deps(fx, spec), task, undefined);
    const rows = await objectRows(task.logicalPath);
    assert.deepEqual(
      rows.map((row) => [
        row.DATA_REPL_NUM,
        row.DATA_REPL_STATUS,
        row.DATA_PATH === task.sourcePath,
      ]),
      [
        ['0', '0', false],
        ['1', '1', true],
      ],
    );
  });

  it('uploads (put) with the source mtime, a verified checksum and the AVUs', async () => {
    const source = await sourceDir(fx);
    const spec = job(source, {
      operation: 'put',
      checksum: 'verify',
      metadata: { a: '1', b: '2' },
    });
    await writeFile(join(source, 'p.dat'), 'uploaded');
    await utimes(join(source, 'p.dat'), MTIME, MTIME);
    const records = new Records();
    const task = await taskFor(spec, 'p.dat');
    const outcome = await syncFile(records.deps(fx, spec), task, undefined);
    assert.equal(outcome.bytesSent, 8);
    assert.equal((await fx.client.dataObjects.read(task.logicalPath)).toString(), 'uploaded');
    const stat = await fx.client.dataObjects.stat(task.logicalPath);
    assert.equal(stat?.modifiedAt, MTIME_S);
    assert.equal(stat?.checksum, sha2('uploaded'));
    assert.equal((await fx.client.metadata.list(ENTITY.dataObject, task.logicalPath)).length, 2);
    await writeFile(join(source, 'p.dat'), 'changed later');
    const again = await taskFor(spec, 'p.dat');
    const skipped = await syncFile(records.deps(fx, spec), again, records.states.get('p.dat'));
    assert.deepEqual(skipped.action, { kind: 'skip', why: 'put-once' });
    assert.equal((await fx.client.dataObjects.read(task.logicalPath)).toString(), 'uploaded');
  });

  it('re-uploads a changed file (put_sync)', async () => {
    const source = await sourceDir(fx);
    const spec = job(source, { operation: 'put_sync' });
    const records = new Records();
    await writeFile(join(source, 's'), 'first content');
    await syncFile(records.deps(fx, spec), await taskFor(spec, 's'), undefined);
    await writeFile(join(source, 's'), 'second');
    const task = await taskFor(spec, 's');
    const outcome = await syncFile(records.deps(fx, spec), task, records.states.get('s'));
    assert.equal(outcome.action.kind, 'upload');
    assert.equal((await fx.client.dataObjects.read(task.logicalPath)).toString(), 'second');
  });

  describe('put_append', () => {
    async function appendJob() {
      const source = await sourceDir(fx);
      const spec = job(source, { operation: 'put_append', checksum: 'verify' });
      const records = new Records();
      await writeFile(join(source, 'log'), 'line one\n');
      await syncFile(records.deps(fx, spec), await taskFor(spec, 'log'), undefined);
      return { spec, records, file: join(source, 'log') };
    }

    it('sends only the new bytes of a grown file', async () => {
      const { spec, records, file } = await appendJob();
      await appendFile(file, 'line two\n');
      const task = await taskFor(spec, 'log');
      const outcome = await syncFile(records.deps(fx, spec), task, records.states.get('log'));
      assert.deepEqual(outcome.action, { kind: 'append', fromOffset: 9 });
      assert.equal(outcome.bytesSent, 9);
      const bytes = await fx.client.dataObjects.read(task.logicalPath);
      assert.equal(bytes.toString(), 'line one\nline two\n');
      assert.equal(records.states.get('log')?.size, 18);
    });

    it('uploads a shrunk file whole instead of leaving the old tail', async () => {
      const { spec, records, file } = await appendJob();
      await writeFile(file, 'short');
      const task = await taskFor(spec, 'log');
      const outcome = await syncFile(records.deps(fx, spec), task, records.states.get('log'));
      assert.equal(outcome.action.kind, 'upload');
      assert.equal((await fx.client.dataObjects.read(task.logicalPath)).toString(), 'short');
    });

    it('uploads whole when the already-sent prefix was rewritten in place', async () => {
      const { spec, records, file } = await appendJob();
      // Same inode, grown, but the first bytes differ from what iRODS holds.
      await writeFile(file, 'LINE ONE\nline two\n', { flag: 'r+' });
      const task = await taskFor(spec, 'log');
      const recorded = records.states.get('log');
      assert.equal(decideFile(task.entry, recorded, 'put_append').kind, 'append');
      const outcome = await syncFile(records.deps(fx, spec), task, recorded);
      assert.equal(outcome.action.kind, 'upload');
      const bytes = await fx.client.dataObjects.read(task.logicalPath);
      assert.equal(bytes.toString(), 'LINE ONE\nline two\n');
    });
  });

  it('does not record a file that grew during its upload, and says it is retryable', async () => {
    const source = await sourceDir(fx);
    const spec = job(source, { operation: 'put_sync' });
    const file = join(source, 'growing');
    await writeFile(file, 'start');
    const records = new Records();
    const task = await taskFor(spec, 'growing');
    // A pre hook runs after the file was looked at and before it is read.
    await assert.rejects(
      syncFile(
        withPreHook(records.deps(fx, spec), () => appendFile(file, ' and more')),
        await withFile(spec, task),
        undefined,
      ),
      (error: unknown) =>
        error instanceof WorkerError &&
        error.code === 'WORKER_SOURCE_CHANGED' &&
        error.retryable &&
        error.step === 'verify-source' &&
        error.relPath === 'growing',
    );
    assert.equal(records.states.size, 0);
  });

  it('records a registration as the stat before it saw, when the file changes after it', async () => {
    const source = await sourceDir(fx);
    const spec = job(source, { operation: 'register' });
    const file = join(source, 'late.dat');
    await writeFile(file, 'first');
    const records = new Records();
    const task = await taskFor(spec, 'late.dat');
    const grow = withPreHook(records.deps(fx, spec), () => appendFile(file, ' and more'));
    const outcome = await syncFile(grow, await withFile(spec, task), undefined);
    assert.equal(outcome.action.kind, 'register');
    // iRODS and the state agree on the size registered; the next look sees the change.
    assert.equal((await fx.client.dataObjects.stat(task.logicalPath))?.size, 5);
    assert.equal(records.states.get('late.dat')?.size, 5);
    const again = await taskFor(spec, 'late.dat');
    const next = await syncFile(records.deps(fx, spec), again, records.states.get('late.dat'));
    assert.equal(next.action.kind, 'update-registration');
    assert.equal((await fx.client.dataObjects.stat(task.logicalPath))?.size, 14);
  });

  it('ends quietly when the source vanished before its turn', async () => {
    const source = await sourceDir(fx);
    const spec = job(source);
    await writeFile(join(source, 'gone'), 'x');
    const task = await taskFor(spec, 'gone');
    await rm(join(source, 'gone'));
    const records = new Records();
    const outcome = await performFileAction(records.deps(fx, spec), task, { kind: 'upload' });
    assert.equal(outcome.vanished, true);
    assert.equal(records.states.size, 0);
    assert.equal(await fx.client.dataObjects.stat(task.logicalPath), undefined);
  });

  it('records a file without touching iRODS for operation none', async () => {
    const source = await sourceDir(fx);
    const spec = job(source, { operation: 'none' });
    await writeFile(join(source, 'n'), 'nothing');
    const records = new Records();
    const task = await taskFor(spec, 'n');
    await syncFile(records.deps(fx, spec), task, undefined);
    assert.equal(records.states.get('n')?.size, 7);
    assert.equal(await fx.client.collections.stat(spec.target), undefined);
  });

  it('puts the original name of a mapped path in an AVU', async () => {
    const source = await sourceDir(fx);
    const spec = job(source, { metadata: { site: 'x' } });
    await writeFile(join(source, 'plain'), 'bytes');
    const task = { ...(await taskFor(spec, 'plain')), mapped: true, originalB64: 'cGxhaW4=' };
    await syncFile(new Records().deps(fx, spec), task, undefined);
    const avus = await fx.client.metadata.list(ENTITY.dataObject, task.logicalPath);
    assert.deepEqual(avus.map((avu) => avu.attribute).sort(), [
      'irods::ingest::original_name',
      'site',
    ]);
  });

  it('makes collections of directories, empty ones too', async () => {
    const source = await sourceDir(fx);
    const spec = job(source);
    const { mkdir } = await import('node:fs/promises');
    await mkdir(join(source, 'empty/deeper'), { recursive: true });
    const records = new Records();
    const task = await taskFor(spec, 'empty/deeper');
    await syncDirectory(records.deps(fx, spec), task);
    assert.notEqual(await fx.client.collections.stat(`${spec.target}/empty/deeper`), undefined);
    assert.equal(records.states.get('empty/deeper')?.type, 'dir');
  });
});
