/**
 * Issue 11, defects 3 and 4: a vanished directory's collection loses exactly the job's recorded
 * entries below it; objects of excluded files, objects people put there and their own registered
 * replicas stay, in every delete mode, and so does every collection that still holds them.
 * Targets of two jobs may not be equal or nested (so no job can delete another's objects):
 * refused at config load and at ad-hoc `start`, naming both jobs.
 */
import assert from 'node:assert/strict';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import type { Ingestd } from '../../helpers/ingestd.js';
import { countsOf, namesIn, useSyncFixture, writeTree } from './fixture.js';
import { ctl } from './safety.js';

const ROOT = '/tempZone/home/rods/owned';
const TRASH = '/tempZone/trash/home/rods/owned';
const T1 = 1_600_000_000;
const MODES = [
  { name: 'keep', operation: 'put_sync', delete: 'keep' },
  { name: 'unregister', operation: 'register', delete: 'unregister' },
  { name: 'trash', operation: 'put_sync', delete: 'trash' },
  { name: 'no_trash', operation: 'put_sync', delete: 'no_trash' },
] as const;

describe('a vanished directory takes only what the job recorded', () => {
  const fx = useSyncFixture();
  let daemon: Ingestd;
  const sources: Record<string, string> = {};
  /** Where each job's person keeps a file registered by hand (unregister would orphan it). */
  const ownFiles: Record<string, string> = {};

  before(async () => {
    for (const mode of MODES) {
      const source = await fx.tempDir(`owned-${mode.name}-`);
      sources[mode.name] = source;
      await writeTree(
        source,
        {
          'keep.txt': 'stays',
          'gonedir/mine.txt': 'the job put this',
          'gonedir/skip.tmp': 'excluded',
          'gonedir/sub/mine2.txt': 'the job put this too',
          'gonedir/only/x.txt': 'a collection of the job alone',
        },
        T1,
      );
    }
    daemon = await fx.daemon({
      workers: 4,
      jobs: MODES.map((mode) => ({
        name: mode.name,
        source: sources[mode.name]!,
        target: `${ROOT}/${mode.name}`,
        operation: mode.operation,
        delete: mode.delete,
        exclude: ['**/*.tmp'],
        rescan_interval: '1s',
      })),
    });
    for (const mode of MODES) await daemon.passDone(1, mode.name);
    // What people put into the job's collections by hand.
    for (const mode of MODES) {
      const target = `${ROOT}/${mode.name}`;
      const scratch = await fx.tempDir(`owned-hand-${mode.name}-`);
      for (const [rel, text] of [
        ['gonedir/skip.tmp', 'uploaded by a person'],
        ['gonedir/foreign.txt', 'a person put this'],
        ['gonedir/sub/foreign2.txt', 'and this'],
        ['gonedir/people/p.txt', 'a collection of their own'],
      ] as const) {
        const local = join(scratch, rel.replaceAll('/', '_'));
        await writeFile(local, text);
        await fx.client.collections.ensure(`${target}/${rel.slice(0, rel.lastIndexOf('/'))}`);
        await fx.client.upload(local, `${target}/${rel}`);
      }
      // A person's own registered file, whose replica lives outside the source.
      const own = join(scratch, 'own.txt');
      await writeFile(own, 'registered by a person');
      await fx.client.dataObjects.register(`${target}/gonedir/own.txt`, {
        physicalPath: own,
        resource: 'demoResc',
      });
      ownFiles[mode.name] = own;
    }
    // Vanished at once (a pass sees all of it or none of it).
    for (const mode of MODES) {
      const away = await fx.tempDir(`owned-away-${mode.name}-`);
      await rename(join(sources[mode.name]!, 'gonedir'), join(away, 'gonedir'));
    }
  });

  for (const mode of MODES) {
    it(`delete = ${mode.delete} (${mode.operation})`, async () => {
      const target = `${ROOT}/${mode.name}`;
      const done = daemon.logs.filter((e) => e.job === mode.name && e.durationMs !== undefined);
      await daemon.passDone(done.length + 2, mode.name);
      const foreign = ['foreign.txt', 'own.txt', 'people', 'skip.tmp', 'sub'];
      if (mode.delete === 'keep') {
        assert.deepEqual(await namesIn(fx.client, `${target}/gonedir`), [
          ...foreign.slice(0, 1),
          'mine.txt',
          'only',
          ...foreign.slice(1),
        ]);
        return;
      }
      assert.deepEqual(await namesIn(fx.client, `${target}/gonedir`), foreign);
      assert.deepEqual(await namesIn(fx.client, `${target}/gonedir/sub`), ['foreign2.txt']);
      assert.deepEqual(await namesIn(fx.client, `${target}/gonedir/people`), ['p.txt']);
      assert.equal(
        (await fx.client.dataObjects.read(`${target}/gonedir/skip.tmp`)).toString(),
        'uploaded by a person',
      );
      assert.equal(
        (await fx.client.dataObjects.read(`${target}/gonedir/own.txt`)).toString(),
        'registered by a person',
      );
      assert.equal(await readFile(ownFiles[mode.name]!, 'utf8'), 'registered by a person');
      assert.equal(await fx.client.collections.stat(`${target}/gonedir/only`), undefined);
      assert.deepEqual(await namesIn(fx.client, target), ['gonedir', 'keep.txt']);
      if (mode.delete === 'trash') {
        assert.equal(
          (await fx.client.dataObjects.read(`${TRASH}/${mode.name}/gonedir/mine.txt`)).toString(),
          'the job put this',
        );
      }
      const summaries = daemon.logs.filter(
        (e) => e.job === mode.name && e.durationMs !== undefined,
      );
      const deleted = summaries.reduce((sum, e) => sum + countsOf(e).deleted, 0);
      assert.equal(deleted, 1, 'one vanished directory was deleted');
    });
  }
});

describe('targets of two jobs may not be equal or nested', () => {
  const fx = useSyncFixture();

  it('is refused at config load, naming both jobs', async () => {
    const dir = await fx.tempDir('overlap-');
    await mkdir(join(dir, 'a'));
    await writeFile(join(dir, 'irods.password'), 'rods', { mode: 0o600 });
    const config = join(dir, 'ingestd.toml');
    await writeFile(
      config,
      [
        '[irods]',
        'url = "http://127.0.0.1:1/irods-http-api/0.7.0"',
        'username = "rods"',
        `password_file = "${join(dir, 'irods.password')}"`,
        'zone = "tempZone"',
        'default_resource = "demoResc"',
        '[[job]]',
        'name = "outer"',
        `source = "${join(dir, 'a')}"`,
        'target = "/tempZone/home/rods/T"',
        '[[job]]',
        'name = "inner"',
        `source = "${join(dir, 'a')}"`,
        'target = "/tempZone/home/rods/T/b/"',
        '',
      ].join('\n'),
    );
    const result = await new Promise<{ code: number | null; out: string }>((done) => {
      execFile(
        process.execPath,
        [
          '--import',
          'tsx',
          resolve(import.meta.dirname, '../../../src/main.ts'),
          '--config',
          config,
          '--check-config',
        ],
        (error, stdout, stderr) =>
          done({ code: error === null ? 0 : (error.code as number), out: stdout + stderr }),
      );
    });
    assert.equal(result.code, 1, result.out);
    assert.match(
      result.out,
      /job\[1\] \(name "inner"\)\.target: .*inside the target of job "outer"/,
    );
  });

  it('is refused at ad-hoc start, naming both jobs', async () => {
    const source = await fx.tempDir('overlap-adhoc-');
    await writeTree(source, { 'a.txt': 'a' });
    const daemon = await fx.daemon({
      jobs: [{ name: 'first', source, target: `${ROOT}/adhoc`, rescan_interval: '1h' }],
      daemon: { adhoc_sources: [source], adhoc_targets: ['/tempZone/home/rods'] },
    });
    await daemon.passDone(1, 'first');
    for (const target of [`${ROOT}/adhoc`, `${ROOT}/adhoc/inner`, ROOT]) {
      const started = await ctl(
        daemon,
        'start',
        '--name',
        'second',
        '--source',
        source,
        '--target',
        target,
      );
      assert.equal(started.code, 1, `${target}: ${started.stdout}`);
      assert.match(started.stderr, /job "first"/);
    }
  });
});
