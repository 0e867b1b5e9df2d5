import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setImmediate, setTimeout as delay } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { encodeRelPath } from '../../../src/core/entry.js';
import { scanTree, type DirectoryChunk } from '../../../src/sources/index.js';
import { FileStateStore, type RecordedState } from '../../../src/state/index.js';
import { withRecorded } from '../../../src/sync/listing-states.js';
import { bytes, useRedis } from '../state/setup.js';

const file = (size: number): RecordedState => ({ type: 'file', size, mtimeNs: 5n, ino: 9n });

const chunkOf = (dir: string, final = true): DirectoryChunk => ({
  dir: bytes(dir),
  entries: [],
  excluded: 0,
  excludedNames: [],
  failures: [],
  final,
  complete: final,
});

describe('a listing with its recorded states read ahead', () => {
  const connection = useRedis();
  let root: string;
  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'listing-states-'));
    await mkdir(join(root, 'a'));
    await mkdir(join(root, 'b'));
    for (const name of ['x', 'y', 'z', 'w', 'v']) await writeFile(join(root, 'a', name), name);
    await writeFile(join(root, 'b', 'u'), 'u');
  });
  after(() => rm(root, { recursive: true, force: true }));

  const store = () => new FileStateStore(connection.redis, connection.prefix, 'job');

  it("gives each directory's first chunk that directory's recorded children, in listing order", async () => {
    const states = store();
    await states.record([
      { relPath: bytes('a/x'), state: file(1) },
      { relPath: bytes('a/gone'), state: file(2) },
      { relPath: bytes('b/u'), state: file(3) },
    ]);
    const options = { exclude: [], excludeTypes: [], followSymlinks: false, chunkSize: 2 };
    const plain: string[] = [];
    for await (const chunk of scanTree(root, options)) plain.push(encodeRelPath(chunk.dir));

    const listed: { dir: string; names?: string[] }[] = [];
    for await (const { chunk, dirText, recorded } of withRecorded(
      states,
      scanTree(root, options),
    )) {
      assert.equal(dirText, encodeRelPath(chunk.dir));
      listed.push(
        recorded === undefined
          ? { dir: dirText }
          : { dir: dirText, names: [...recorded.keys()].sort() },
      );
    }

    assert.deepEqual(
      listed.map(({ dir }) => dir),
      plain,
    );
    // Directory a has five files in chunks of two: only its first chunk carries the states.
    assert.deepEqual(
      listed.filter(({ dir }) => dir === 'a'),
      [{ dir: 'a', names: ['gone', 'x'] }, { dir: 'a' }, { dir: 'a' }],
    );
    assert.deepEqual(
      listed.find(({ dir }) => dir === 'b'),
      { dir: 'b', names: ['u'] },
    );
    // The root holds the placeholders recorded for the entries' ancestors.
    assert.deepEqual(
      listed.find(({ dir }) => dir === ''),
      { dir: '', names: ['a', 'b'] },
    );
  });

  it('ends a failed listing with its error, after the chunks listed before it', async () => {
    async function* failing(): AsyncGenerator<DirectoryChunk> {
      yield chunkOf('a');
      yield chunkOf('b');
      await setImmediate();
      throw new Error('the listing broke');
    }
    const dirs: string[] = [];
    await assert.rejects(async () => {
      for await (const { dirText } of withRecorded(store(), failing())) dirs.push(dirText);
    }, /the listing broke/);
    assert.deepEqual(dirs, ['a', 'b']);
  });

  it('ends the listing when its consumer stops early, listing nothing more', async () => {
    let pulled = 0;
    let ended = false;
    async function* endless(): AsyncGenerator<DirectoryChunk> {
      try {
        for (;;) {
          pulled += 1;
          await setImmediate();
          yield chunkOf(`d${pulled}`);
        }
      } finally {
        ended = true;
      }
    }
    for await (const { dirText } of withRecorded(store(), endless())) {
      if (dirText === 'd3') break;
    }
    assert.equal(ended, true);
    // Read ahead of the consumer, but bounded: not the endless rest.
    assert.ok(pulled < 30, `pulled ${pulled} chunks`);
  });

  it('gives a chunk its states while the listing stalls after it, without waiting for a group', async () => {
    const states = new FileStateStore(connection.redis, connection.prefix, 'stalling');
    await states.record([{ relPath: bytes('a/x'), state: file(1) }]);
    let resume!: () => void;
    const stalled = new Promise<void>((done) => (resume = done));
    async function* stalling(): AsyncGenerator<DirectoryChunk> {
      yield chunkOf('a');
      await stalled; // until the comparison has seen a: a read waiting for its group never ends
      yield chunkOf('b');
    }
    const listed: string[] = [];
    for await (const { dirText, recorded } of withRecorded(states, stalling())) {
      listed.push(`${dirText}:${[...(recorded?.keys() ?? [])].join(',')}`);
      resume();
    }
    assert.deepEqual(listed, ['a:x', 'b:']);
  });

  it('reads the directories listed ahead of a slower comparison a group per round trip', async () => {
    const states = store();
    await states.record([{ relPath: bytes('d7/kept'), state: file(7) }]);
    // A listing slower than a round trip: read as each directory arrived, every one cost one.
    async function* slow(): AsyncGenerator<DirectoryChunk> {
      for (let i = 0; i < 24; i++) {
        await delay(2);
        yield chunkOf(`d${i}`);
      }
    }
    const calls = async () =>
      Number(
        /cmdstat_evalsha:calls=(\d+)/.exec(await connection.redis.info('commandstats'))?.[1] ?? 0,
      );
    const before = await calls();
    const kept: string[] = [];
    for await (const { dirText, recorded } of withRecorded(states, slow())) {
      kept.push(...[...(recorded?.keys() ?? [])].map((name) => `${dirText}/${name}`));
      await delay(6);
    }
    assert.deepEqual(kept, ['d7/kept']);
    const reads = (await calls()) - before;
    assert.ok(reads <= 8, `${reads} round trips for 24 directories`);
  });
});
