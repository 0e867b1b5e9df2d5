/**
 * Every allowed (operation, delete mode) pair, one job each in one daemon: a file and a
 * subdirectory vanish between two passes, and the delete mode decides what happens in iRODS.
 */
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { allowedDeleteModes, OPERATIONS } from '../../../src/core/job-rules.js';
import type { Ingestd } from '../../helpers/ingestd.js';
import {
  countsOf,
  expected,
  later,
  namesIn,
  useSyncFixture,
  writeTree,
  type PassCounts,
} from './fixture.js';

const ROOT = '/tempZone/home/rods/del';
const TRASH = '/tempZone/trash/home/rods/del';
const TREE = {
  'keep.txt': 'stays',
  'gone.txt': 'vanishes',
  'gonedir/inner.txt': 'inner',
  'gonedir/deeper/x.txt': 'deep',
};

interface Pair {
  name: string;
  operation: string;
  delete: string;
}

const PAIRS: Pair[] = Object.values(OPERATIONS).flatMap((operation) =>
  allowedDeleteModes(operation).map((mode) => ({
    name: `${operation}.${mode}`,
    operation,
    delete: mode,
  })),
);

interface Run {
  source: string;
  pass1: PassCounts;
  pass2: PassCounts;
}

describe('sync deletes per operation and delete mode', () => {
  const fx = useSyncFixture();
  const runs = new Map<string, Promise<Run>>();
  /** A job whose whole source empties: its target must stay. */
  const emptied: Pair = { name: 'emptied', operation: 'put_sync', delete: 'no_trash' };

  async function follow(
    daemon: Ingestd,
    name: string,
    source: string,
    vanish: string[],
  ): Promise<Run> {
    const pass1 = countsOf(await daemon.passDone(1, name));
    for (const rel of vanish) await rm(join(source, rel), { recursive: true });
    const pass2 = countsOf(await daemon.passDone(2, name));
    return { source, pass1, pass2 };
  }

  before(async () => {
    const all = [...PAIRS, emptied];
    const sources = new Map<string, string>();
    for (const pair of all) {
      const source = await fx.tempDir(`del-${pair.name}-`);
      await writeTree(source, TREE);
      sources.set(pair.name, source);
    }
    const daemon = await fx.daemon({
      workers: all.length,
      jobs: all.map((pair) => ({
        name: pair.name,
        source: sources.get(pair.name)!,
        target: `${ROOT}/${pair.name}`,
        operation: pair.operation,
        delete: pair.delete,
        rescan_interval: '3s',
      })),
    });
    for (const pair of all) {
      const vanish = ['gone.txt', 'gonedir', ...(pair === emptied ? ['keep.txt'] : [])];
      runs.set(pair.name, later(follow(daemon, pair.name, sources.get(pair.name)!, vanish)));
    }
  });

  it('covers every allowed pair', () => {
    assert.deepEqual(PAIRS.map((pair) => pair.name).sort(), [
      'none.keep',
      'put.keep',
      'put_append.keep',
      'put_append.no_trash',
      'put_append.trash',
      'put_sync.keep',
      'put_sync.no_trash',
      'put_sync.trash',
      'register.keep',
      'register.unregister',
      'register_replica.keep',
      'register_replica.unregister',
    ]);
  });

  for (const pair of PAIRS) {
    it(`${pair.operation} with delete = ${pair.delete}`, async () => {
      const run = await runs.get(pair.name)!;
      const target = `${ROOT}/${pair.name}`;
      const trash = `${TRASH}/${pair.name}`;
      // keep.txt, gone.txt, gonedir, gonedir/inner.txt, gonedir/deeper, gonedir/deeper/x.txt
      assert.deepEqual(run.pass1, expected({ seen: 6, new: 6 }));
      const deleted = pair.delete === 'keep' ? 0 : 2;
      assert.deepEqual(run.pass2, expected({ seen: 1, deleted }));

      if (pair.operation === 'none') {
        assert.equal(await fx.client.collections.stat(target), undefined, 'iRODS untouched');
        return;
      }
      const gone = await fx.client.dataObjects.stat(`${target}/gone.txt`);
      const goneDir = await fx.client.collections.stat(`${target}/gonedir`);
      assert.equal((await fx.client.dataObjects.stat(`${target}/keep.txt`))?.size, 5);
      switch (pair.delete) {
        case 'keep':
          assert.equal(gone?.size, 'vanishes'.length, 'the object stays');
          assert.ok(goneDir, 'the collection stays');
          assert.ok(await fx.client.dataObjects.stat(`${target}/gonedir/deeper/x.txt`));
          assert.deepEqual(await namesIn(fx.client, target), ['gone.txt', 'gonedir', 'keep.txt']);
          break;
        case 'unregister':
          assert.equal(gone, undefined, 'catalog entry gone');
          assert.equal(goneDir, undefined, 'collection gone');
          assert.equal(await fx.client.collections.stat(trash), undefined, 'nothing in the trash');
          assert.deepEqual(await namesIn(fx.client, target), ['keep.txt']);
          break;
        case 'trash':
          assert.equal(gone, undefined);
          assert.equal(goneDir, undefined);
          assert.equal(
            (await fx.client.dataObjects.read(`${trash}/gone.txt`)).toString(),
            'vanishes',
          );
          assert.equal(
            (await fx.client.dataObjects.read(`${trash}/gonedir/deeper/x.txt`)).toString(),
            'deep',
          );
          assert.deepEqual(await namesIn(fx.client, target), ['keep.txt']);
          break;
        case 'no_trash':
          assert.equal(gone, undefined);
          assert.equal(goneDir, undefined);
          assert.equal(await fx.client.collections.stat(trash), undefined, 'nothing in the trash');
          assert.deepEqual(await namesIn(fx.client, target), ['keep.txt']);
          break;
        default:
          assert.fail(`unexpected delete mode ${pair.delete}`);
      }
    });
  }

  it('never deletes the target itself, even when the whole source is gone', async () => {
    const run = await runs.get(emptied.name)!;
    assert.deepEqual(run.pass2, expected({ seen: 0, deleted: 3 }));
    const target = `${ROOT}/${emptied.name}`;
    assert.ok(await fx.client.collections.stat(target), 'the target stays');
    assert.deepEqual(await namesIn(fx.client, target), []);
  });
});
