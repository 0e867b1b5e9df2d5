/**
 * Deletes under a job's event handler: an entry goes from where the handler put it, and a
 * handler that cannot say where fails that entry alone, deleting nothing.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { RecordedState } from '../../../src/core/decide.js';
import { describeGone } from '../../../src/handlers/file-info.js';
import { syncFile } from '../../../src/worker/actions.js';
import type { GonePlaces, WorkerDeps } from '../../../src/worker/context.js';
import { deleteEntry } from '../../../src/worker/deletes.js';
import { WorkerError } from '../../../src/worker/errors.js';
import { useClientFixture } from '../irods/setup.js';
import { job, Records, sourceDir, taskFor } from './fixture.js';

describe('worker deletes under an event handler', () => {
  const fx = useClientFixture();

  async function placed(logicalPath: GonePlaces['logicalPath']) {
    const source = await sourceDir(fx);
    const spec = job(source, { operation: 'put_sync', delete: 'no_trash', handler: '/h.mjs' });
    await writeFile(join(source, 'a.txt'), 'A');
    const records = new Records();
    const elsewhere = `${spec.target}/flat/a.txt`;
    const task = { ...(await taskFor(spec, 'a.txt')), logicalPath: elsewhere };
    await fx.client.collections.ensure(spec.target);
    await syncFile(records.deps(fx, spec), task, undefined);
    const deps: WorkerDeps = {
      ...records.deps(fx, spec),
      gone: {
        describe: (relPath, state) => describeGone(source, relPath, state),
        logicalPath,
        physicalPath: () => Promise.resolve(undefined),
      },
    };
    const state = records.states.get('a.txt') as RecordedState;
    const gone = {
      relPath: Buffer.from('a.txt'),
      logicalPath: `${spec.target}/a.txt`,
      type: 'file' as const,
      state,
    };
    return { deps, gone, elsewhere };
  }

  it('deletes the object where the handler put it', async () => {
    const { deps, gone, elsewhere } = await placed((entry) =>
      Promise.resolve(entry.name === 'a.txt' ? elsewhere : undefined),
    );
    assert.deepEqual(await deleteEntry(deps, gone), { removed: true });
    assert.equal(await fx.client.dataObjects.stat(elsewhere), undefined);
  });

  it('fails the entry, deleting nothing, when the handler cannot say where it is', async () => {
    const { deps, gone, elsewhere } = await placed(() =>
      Promise.reject(new Error('no idea where that went')),
    );
    await assert.rejects(
      deleteEntry(deps, gone),
      (error: unknown) =>
        error instanceof WorkerError &&
        error.step === 'place' &&
        /no idea where that went/.test(error.message),
    );
    assert.notEqual(await fx.client.dataObjects.stat(elsewhere), undefined);
  });
});
