/**
 * The example handlers shipped in etc/handlers/, run end to end by the daemon against the
 * emulator (their settings changed where a test cannot wait or has other resource names).
 */
import assert from 'node:assert/strict';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ENTITY } from '../../../src/irods/index.js';
import { countsOf, namesIn, useSyncFixture, writeTree } from '../sync/fixture.js';
import { failuresOf, handlerModule, replicasOf } from './fixture.js';

const HOME = '/tempZone/home/rods';
const EXAMPLES = join(import.meta.dirname, '../../../etc/handlers');

/** The example's text, with `replacements` (each must match) applied. */
async function example(name: string, replacements: [string, string][] = []): Promise<string> {
  let text = await readFile(join(EXAMPLES, name), 'utf8');
  for (const [from, to] of replacements) {
    assert.ok(text.includes(from), `${name} holds ${from}`);
    text = text.replace(from, to);
  }
  return text;
}

describe('the example handlers', () => {
  const fx = useSyncFixture(() =>
    Promise.resolve({
      config: {
        emulator: {
          resources: [
            { name: 'demoResc', type: 'unixfilesystem' },
            { name: 'bigResc', type: 'unixfilesystem' },
            { name: 'fastResc', type: 'unixfilesystem' },
          ],
        },
      },
    }),
  );

  it('sample-metadata: AVUs from the file name and its JSON sidecar, which stays out', async () => {
    const dir = await fx.tempDir('example-sample-');
    const source = join(dir, 'src');
    await writeTree(source, {
      'S042_20240611_0007.tif': 'image bytes',
      'S042_20240611_0007.json': JSON.stringify({ operator: 'ada', temperature: 21.5, deep: {} }),
      'orphan.json': '{"no":"image"}',
      'notes.txt': 'notes',
    });
    const handler = await handlerModule(dir, await example('sample-metadata.ts'), 'h.ts');
    const target = `${HOME}/example-sample`;
    const daemon = await fx.daemon({
      jobs: [{ name: 'sample', source, target, operation: 'put_sync', handler }],
    });
    const summary = await daemon.passDone(1, 'sample');
    assert.equal(summary.skipped, 1);
    assert.equal(countsOf(summary).excluded, 0);
    assert.deepEqual(await namesIn(fx.client, target), [
      'S042_20240611_0007.tif',
      'notes.txt',
      'orphan.json',
    ]);
    const avus = await fx.client.metadata.list(
      ENTITY.dataObject,
      `${target}/S042_20240611_0007.tif`,
    );
    assert.deepEqual(Object.fromEntries(avus.map((avu) => [avu.attribute, avu.value])), {
      sample: 'S042',
      acquired: '2024-06-11',
      sequence: '7',
      operator: 'ada',
      temperature: '21.5',
    });
    assert.deepEqual(await fx.client.metadata.list(ENTITY.dataObject, `${target}/notes.txt`), []);
  });

  it('size-routing: large files registered on one resource, small ones uploaded to another', async () => {
    const dir = await fx.tempDir('example-routing-');
    const source = join(dir, 'src');
    await writeTree(source, { 'big.bin': 'b'.repeat(5000), 'small.txt': 'small' });
    const text = await example('size-routing.ts', [
      ['1024 ** 3', '1000'],
      ["'archiveResc'", "'bigResc'"],
    ]);
    const handler = await handlerModule(dir, text, 'h.ts');
    const target = `${HOME}/example-routing`;
    const daemon = await fx.daemon({
      jobs: [{ name: 'routing', source, target, operation: 'register', handler }],
    });
    await daemon.passDone(1, 'routing');
    assert.deepEqual(await replicasOf(fx.client, `${target}/big.bin`), [
      { resource: 'bigResc', physicalPath: join(source, 'big.bin') },
    ]);
    const [small] = await replicasOf(fx.client, `${target}/small.txt`);
    assert.equal(small?.resource, 'fastResc');
    assert.ok(!small.physicalPath.startsWith(source), 'uploaded into the vault');
    assert.equal((await fx.client.dataObjects.read(`${target}/small.txt`)).toString(), 'small');
  });

  it('lock-check: a file with NAME.lock beside it goes in once the lock is gone', async () => {
    const dir = await fx.tempDir('example-lock-');
    const source = join(dir, 'src');
    await writeTree(source, { 'run.raw': 'raw data', 'run.raw.lock': '', 'other.raw': 'other' });
    const text = await example('lock-check.ts', [['30_000', '300']]);
    const handler = await handlerModule(dir, text, 'h.ts');
    const target = `${HOME}/example-lock`;
    const daemon = await fx.daemon({
      jobs: [{ name: 'lock', source, target, operation: 'put_sync', handler }],
    });
    await daemon.waitFor((event) =>
      /will retry run\.raw .*run\.raw\.lock is still there/.test(event.message),
    );
    assert.deepEqual(await namesIn(fx.client, target), ['other.raw']);
    await rm(join(source, 'run.raw.lock'));
    const summary = await daemon.passDone(1, 'lock');
    assert.equal(countsOf(summary).failed, 0);
    assert.equal(summary.skipped, 1);
    assert.equal(countsOf(summary).excluded, 0);
    assert.deepEqual(await namesIn(fx.client, target), ['other.raw', 'run.raw']);
    assert.deepEqual(await failuresOf(daemon, 'lock'), []);
  });
});
