/**
 * Issue 20: what a file's first upload creates in iRODS is the job's from before its first byte
 * (a provisional state, WorkerDeps.track), and an upload that sent nothing leaves nothing tracked.
 */
import assert from 'node:assert/strict';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { JobConfig } from '../../../src/config/index.js';
import { encodeRelPath } from '../../../src/core/entry.js';
import { syncFile } from '../../../src/worker/actions.js';
import type { WorkerDeps } from '../../../src/worker/context.js';
import { useClientFixture, type ClientFixture } from '../irods/setup.js';
import { job, Records, sourceDir, taskFor } from './fixture.js';

/** Deps whose provisional states land in `records`, with what iRODS held when each was written. */
function tracking(
  records: Records,
  fx: ClientFixture,
  spec: JobConfig,
  objectWhenTracked: (boolean | undefined)[],
): WorkerDeps {
  return {
    ...records.deps(fx, spec),
    track: async (relPath, state) => {
      const path = encodeRelPath(relPath);
      objectWhenTracked.push(
        (await fx.client.dataObjects.stat(`${spec.target}/${path}`)) !== undefined,
      );
      records.states.set(path, state);
    },
    untrack: (relPath) => {
      const path = encodeRelPath(relPath);
      if (records.states.get(path)?.provisional === true) records.states.delete(path);
      return Promise.resolve();
    },
  };
}

describe('provisional states of first uploads', () => {
  const fx = useClientFixture();

  it('are written before the object exists, and replaced once iRODS confirmed', async () => {
    const source = await sourceDir(fx);
    const spec = job(source);
    await writeFile(join(source, 'new.dat'), 'new bytes');
    const records = new Records();
    const seen: (boolean | undefined)[] = [];
    const outcome = await syncFile(
      tracking(records, fx, spec, seen),
      await taskFor(spec, 'new.dat'),
      undefined,
    );
    assert.deepEqual(seen, [false], 'tracked once, before the object existed');
    assert.equal(outcome.recorded?.provisional, undefined);
    assert.equal(records.states.get('new.dat')?.provisional, undefined, 'confirmed');
    assert.equal(records.states.get('new.dat')?.size, 9);
  });

  it('are not written for a file whose copy was confirmed before', async () => {
    const source = await sourceDir(fx);
    const spec = job(source);
    await writeFile(join(source, 'f.dat'), 'one');
    const records = new Records();
    const seen: (boolean | undefined)[] = [];
    const deps = tracking(records, fx, spec, seen);
    await syncFile(deps, await taskFor(spec, 'f.dat'), undefined);
    await writeFile(join(source, 'f.dat'), 'one and two');
    await syncFile(deps, await taskFor(spec, 'f.dat'), records.states.get('f.dat'));
    assert.equal(seen.length, 1, 'only the first upload');
    assert.equal(records.states.get('f.dat')?.size, 11);
  });

  // An object the job finds in iRODS (iput, the tool it replaces) is not the job's to delete
  // because the job set out to overwrite it: a failed upload would have left a provisional state
  // claiming it, and a retry after the file vanished would have removed it.
  it('are not written for an object that was in iRODS before the job', async () => {
    const source = await sourceDir(fx);
    const spec = job(source);
    await writeFile(join(source, 'found.dat'), 'the file');
    await writeFile(join(source, 'other.dat'), 'other bytes');
    await fx.client.collections.ensure(spec.target);
    await fx.client.upload(join(source, 'other.dat'), `${spec.target}/found.dat`);
    const records = new Records();
    const seen: (boolean | undefined)[] = [];
    await syncFile(tracking(records, fx, spec, seen), await taskFor(spec, 'found.dat'), undefined);
    assert.deepEqual(seen, [], 'no provisional state');
    assert.equal(records.states.get('found.dat')?.size, 8, 'recorded once the upload confirmed');
    const bytes = await fx.client.dataObjects.read(`${spec.target}/found.dat`);
    assert.equal(bytes.toString(), 'the file');
  });

  it('are dropped when the file vanished before its upload could open it', async () => {
    const source = await sourceDir(fx);
    const spec = job(source);
    await writeFile(join(source, 'gone.dat'), 'x');
    // The batch's own look saw the file; it is gone by the time the upload opens it.
    const task = { ...(await taskFor(spec, 'gone.dat')), justObserved: true };
    await rm(join(source, 'gone.dat'));
    const records = new Records();
    const outcome = await syncFile(tracking(records, fx, spec, []), task, undefined);
    assert.equal(outcome.recorded, undefined);
    assert.equal(records.states.size, 0, 'nothing tracked: nothing was sent');
    assert.equal(await fx.client.dataObjects.stat(task.logicalPath), undefined);
  });
});
