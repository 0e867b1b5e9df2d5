/**
 * A job's event handler choosing per file (design.md "Event handlers"): the operation (`none`
 * skips), the logical path (never outside the target), the resource, the AVUs next to the job's,
 * and where registrations point (with `physical_source`), all against the emulator.
 */
import assert from 'node:assert/strict';
import { rm, symlink, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ENTITY } from '../../../src/irods/index.js';
import {
  countsOf,
  expected,
  namesIn,
  objectFacts,
  useSyncFixture,
  writeTree,
} from '../sync/fixture.js';
import { ctl } from '../sync/safety.js';
import { failuresOf, handlerModule, replicasOf } from './fixture.js';

const HOME = '/tempZone/home/rods';

describe('per-file policy of an event handler', () => {
  const fx = useSyncFixture(() =>
    Promise.resolve({
      config: {
        emulator: {
          resources: [
            { name: 'demoResc', type: 'unixfilesystem' },
            { name: 'fastResc', type: 'unixfilesystem' },
          ],
        },
      },
    }),
  );

  it('leaves exactly the files whose operation is "none" out of iRODS, counted as skipped', async () => {
    const dir = await fx.tempDir('policy-none-');
    const source = join(dir, 'src');
    await writeTree(source, {
      'a.txt': 'a',
      'b.json': '{}',
      'sub/c.txt': 'c',
      'sub/d.json': '{}',
    });
    const handler = await handlerModule(
      dir,
      `export default { operation: (file) => (file.name.endsWith('.json') ? 'none' : undefined) };\n`,
    );
    const target = `${HOME}/policy-none`;
    const daemon = await fx.daemon({
      jobs: [{ name: 'none', source, target, operation: 'put_sync', handler }],
    });
    const summary = await daemon.passDone(1, 'none');
    assert.deepEqual(countsOf(summary), expected({ seen: 5, new: 3 }));
    assert.equal(summary.skipped, 2);
    assert.match(summary.message, /, 2 skipped,/);
    assert.deepEqual(await namesIn(fx.client, target), ['a.txt', 'sub']);
    assert.deepEqual(await namesIn(fx.client, `${target}/sub`), ['c.txt']);
    assert.deepEqual(await failuresOf(daemon, 'none'), []);
  });

  it('lists a file whose operation() throws as failed, with the error, and syncs the rest', async () => {
    const dir = await fx.tempDir('policy-throws-');
    const source = join(dir, 'src');
    await writeTree(source, { 'a.txt': 'a', 'bad.txt': 'b', 'sub/c.txt': 'c' });
    const handler = await handlerModule(
      dir,
      `export default {
  operation(file) {
    if (file.name === 'bad.txt') throw new Error('no policy for bad.txt');
    return undefined;
  },
};\n`,
    );
    const target = `${HOME}/policy-throws`;
    const daemon = await fx.daemon({
      jobs: [{ name: 'throws', source, target, operation: 'put_sync', handler }],
    });
    const summary = await daemon.passDone(1, 'throws');
    assert.equal(summary.failed, 1);
    assert.deepEqual(await namesIn(fx.client, target), ['a.txt', 'sub']);
    assert.deepEqual(await namesIn(fx.client, `${target}/sub`), ['c.txt']);
    const failures = await failuresOf(daemon, 'throws');
    assert.deepEqual(
      failures.map(({ path }) => path),
      ['bad.txt'],
    );
    assert.match(failures[0]!.message, /no policy for bad\.txt/);
  });

  it('places files where targetPath says, and fails only the one it sends outside the target', async () => {
    const dir = await fx.tempDir('policy-target-');
    const source = join(dir, 'src');
    const target = `${HOME}/policy-target`;
    await writeTree(source, { 'keep.txt': 'k', 'escape.txt': 'e', 'sub/moved.txt': 'm' });
    const handler = await handlerModule(
      dir,
      `export default {
  targetPath(file) {
    if (file.name === 'escape.txt') return '${HOME}/elsewhere/escape.txt';
    if (file.name === 'moved.txt') return '${target}/flat/moved.txt';
    return undefined;
  },
};\n`,
    );
    const daemon = await fx.daemon({
      jobs: [{ name: 'target', source, target, operation: 'put_sync', handler }],
    });
    const summary = await daemon.passDone(1, 'target');
    assert.equal(countsOf(summary).failed, 1);
    assert.equal((await objectFacts(fx.client, `${target}/keep.txt`))?.bytes?.toString(), 'k');
    assert.equal(
      (await objectFacts(fx.client, `${target}/flat/moved.txt`))?.bytes?.toString(),
      'm',
    );
    assert.equal(await objectFacts(fx.client, `${target}/sub/moved.txt`), undefined);
    assert.equal(await fx.client.collections.stat(`${HOME}/elsewhere`), undefined);
    const failures = await failuresOf(daemon, 'target');
    assert.deepEqual(
      failures.map((failure) => failure.path),
      ['escape.txt'],
    );
    assert.match(
      failures[0]!.message,
      /targetPath returned "\/tempZone\/home\/rods\/elsewhere\/escape\.txt", which is not below the job's target \/tempZone\/home\/rods\/policy-target/,
    );
  });

  it('puts each file on the resource it chooses, with the job AVUs and its own (which win)', async () => {
    const dir = await fx.tempDir('policy-resource-');
    const source = join(dir, 'src');
    const target = `${HOME}/policy-resource`;
    await writeTree(source, { 'big.bin': 'x'.repeat(100), 'small.txt': 'tiny', 'run/': '' });
    const handler = await handlerModule(
      dir,
      `export default {
  resource: (file) => (file.size > 10 ? 'demoResc' : 'fastResc'),
  metadata: (file) => [
    { attribute: 'site', value: 'B' },
    { attribute: 'sample', value: file.name.split('.')[0], units: 'id' },
  ],
};\n`,
    );
    const daemon = await fx.daemon({
      jobs: [
        {
          name: 'resource',
          source,
          target,
          operation: 'put_sync',
          handler,
          metadata: { instrument: 'm1', site: 'A' },
        },
      ],
    });
    await daemon.passDone(1, 'resource');
    assert.deepEqual(
      (await replicasOf(fx.client, `${target}/big.bin`)).map((replica) => replica.resource),
      ['demoResc'],
    );
    assert.deepEqual(
      (await replicasOf(fx.client, `${target}/small.txt`)).map((replica) => replica.resource),
      ['fastResc'],
    );
    const avus = await fx.client.metadata.list(ENTITY.dataObject, `${target}/small.txt`);
    const text = (list: typeof avus) =>
      list.map((avu) => `${avu.attribute}=${avu.value}${avu.units ? ` ${avu.units}` : ''}`).sort();
    assert.deepEqual(text(avus), ['instrument=m1', 'sample=small id', 'site=B']);
    // A collection gets the handler's AVUs only: the job's are for data objects.
    const collection = await fx.client.metadata.list(ENTITY.collection, `${target}/run`);
    assert.deepEqual(text(collection), ['sample=run id', 'site=B']);
  });

  it('registers the mapped paths with physical_source, and a handler path overrides it', async () => {
    const dir = await fx.tempDir('policy-physical-');
    const source = join(dir, 'src');
    // The server's view of the same storage: another path to the same files.
    const serverView = join(dir, 'server-view');
    await writeTree(source, { 'a.txt': 'alpha', 'sub/b.txt': 'beta', 'special.txt': 's' });
    await symlink(source, serverView);
    const handler = await handlerModule(
      dir,
      `export default {
  physicalPath: (file) => (file.name === 'special.txt' ? '${serverView}/sub/../special.txt' : undefined),
};\n`,
    );
    const target = `${HOME}/policy-physical`;
    const daemon = await fx.daemon({
      jobs: [
        {
          name: 'physical',
          source,
          target,
          operation: 'register',
          delete: 'unregister',
          checksum: 'register',
          physical_source: serverView,
          handler,
        },
      ],
    });
    await daemon.passDone(1, 'physical');
    const pathOf = async (rel: string) =>
      (await replicasOf(fx.client, `${target}/${rel}`)).map((replica) => replica.physicalPath);
    assert.deepEqual(await pathOf('a.txt'), [`${serverView}/a.txt`]);
    assert.deepEqual(await pathOf('sub/b.txt'), [`${serverView}/sub/b.txt`]);
    assert.deepEqual(await pathOf('special.txt'), [`${serverView}/sub/../special.txt`]);
    // The server computed the checksum through its own path.
    assert.match((await objectFacts(fx.client, `${target}/a.txt`))?.checksum ?? '', /^sha2:/);

    // What the job registered under physical_source is its own to unregister.
    await rm(join(source, 'a.txt'));
    assert.equal((await ctl(daemon, 'rescan', 'physical')).code, 0);
    await daemon.passDone(2, 'physical');
    assert.equal(await fx.client.dataObjects.stat(`${target}/a.txt`), undefined);
    assert.deepEqual(await pathOf('sub/b.txt'), [`${serverView}/sub/b.txt`]);
  });

  it('decides whether a changed file needs work by the operation chosen for it', async () => {
    const dir = await fx.tempDir('policy-decide-');
    const source = join(dir, 'src');
    const target = `${HOME}/policy-decide`;
    await writeTree(source, { 'app.log': 'log v1', 'data.txt': 'data v1' }, 1_600_000_000);
    const handler = await handlerModule(
      dir,
      `export default { operation: (file) => (file.name.endsWith('.log') ? 'put_sync' : undefined) };\n`,
    );
    // `put` uploads once and ignores changes; the handler makes logs follow theirs.
    const daemon = await fx.daemon({
      jobs: [{ name: 'decide', source, target, operation: 'put', handler }],
    });
    await daemon.passDone(1, 'decide');
    for (const [name, text] of [
      ['app.log', 'log v2, longer'],
      ['data.txt', 'data v2, longer'],
    ] as const) {
      await writeFile(join(source, name), text);
      await utimes(join(source, name), 1_600_000_500, 1_600_000_500);
    }
    assert.equal((await ctl(daemon, 'rescan', 'decide')).code, 0);
    const second = await daemon.passDone(2, 'decide');
    assert.deepEqual(countsOf(second), expected({ seen: 2, updated: 1 }));
    const read = async (name: string) =>
      (await fx.client.dataObjects.read(`${target}/${name}`)).toString();
    assert.equal(await read('app.log'), 'log v2, longer');
    assert.equal(await read('data.txt'), 'data v1');
  });
});
