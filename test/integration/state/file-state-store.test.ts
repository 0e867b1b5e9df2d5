import { isAscii } from 'node:buffer';
import { createHash } from 'node:crypto';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Redis } from 'ioredis';
import { encodeRelPath } from '../../../src/core/entry.js';
import {
  FileLocks,
  FileStateStore,
  packState,
  type RecordedState,
} from '../../../src/state/index.js';
import { startRedis, type TestRedis } from '../../helpers/redis.js';
import { bytes, connect } from './setup.js';

const file = (size: number, mtimeNs = 1_700_000_000_123_456_789n, ino = 42n): RecordedState => ({
  type: 'file',
  size,
  mtimeNs,
  ino,
});
const dir: RecordedState = { type: 'dir', size: 0, mtimeNs: 1_600_000_000_000_000_000n, ino: 7n };

/** `path` split into at least `shards` shards, each at most 100 fields and compact. */
async function assertSharded(s: FileStateStore, path: Uint8Array, shards: number): Promise<void> {
  const shape = await s.directoryShape(path);
  assert.ok(shape.shards >= shards, `shards: ${shape.shards}`);
  assert.ok(shape.largestShard <= 100, `largest shard: ${shape.largestShard}`);
  assert.equal(shape.compact, true);
}

/**
 * An entry for recordUnlocked at `path` (text, or bytes below a name that is not UTF-8), named
 * as a pass names it: its ASCII name as text, any other as bytes.
 */
function unlocked(path: string | Uint8Array, state: RecordedState, expected?: RecordedState) {
  const relPath = typeof path === 'string' ? bytes(path) : path;
  const name = Buffer.from(relPath.subarray(relPath.lastIndexOf(0x2f) + 1));
  return {
    path: encodeRelPath(relPath),
    name: isAscii(name) ? name.toString('latin1') : new Uint8Array(name),
    value: packState(state),
    expected: expected === undefined ? '' : packState(expected),
  };
}

describe('FileStateStore', () => {
  let server: TestRedis;
  let redis: Redis;
  let store: FileStateStore;

  before(async () => {
    server = await startRedis();
  });
  after(async () => {
    await server.stop();
  });

  let prefix: string;
  const fresh = () => {
    const client = connect(server);
    redis?.disconnect();
    redis = client.redis;
    prefix = client.prefix;
    store = new FileStateStore(redis, client.prefix, 'job');
    return store;
  };
  after(() => redis?.disconnect());

  it('gives back states exactly, with mtimes, ctimes and inodes beyond 2^53', async () => {
    const s = fresh();
    const states: RecordedState[] = [
      file(0, 0n, 1n),
      file(Number.MAX_SAFE_INTEGER, 2n ** 63n - 1n, 2n ** 64n - 1n),
      file(123_456_789, -1_000_000_001n, 36n ** 12n),
      { ...file(1), ctimeNs: 2n ** 63n - 1n },
      dir,
    ];
    const paths = states.map((_, i) => bytes(`a/b/entry-${i}`));
    await s.record(states.map((state, i) => ({ relPath: paths[i]!, state })));
    assert.deepEqual(await s.getMany(paths), states);
    assert.deepEqual(await s.getMany([bytes('a/b/missing'), bytes('nowhere/x')]), [
      undefined,
      undefined,
    ]);
  });

  it('overwrites a recorded state and lists a directory by encoded name', async () => {
    const s = fresh();
    await s.record([{ relPath: bytes('top/x'), state: file(1) }]);
    await s.record([{ relPath: bytes('top/x'), state: file(2) }]);
    await s.record([{ relPath: bytes('top/y z#%&;'), state: file(3) }]);
    const children = await s.recordedChildren(bytes('top'));
    assert.deepEqual(
      children,
      new Map([
        ['x', file(2)],
        ['y z#%&;', file(3)],
      ]),
    );
  });

  it('keeps names that are not valid UTF-8 byte for byte', async () => {
    const s = fresh();
    const latin1 = Uint8Array.from([0x63, 0x61, 0x66, 0xe9]); // "café" in Latin-1
    const relPath = Uint8Array.from([...bytes('odd/'), ...latin1]);
    const withNewline = bytes('odd/line\nbreak');
    await s.record([
      { relPath, state: file(5) },
      { relPath: withNewline, state: file(6) },
    ]);
    assert.deepEqual(await s.getMany([relPath, withNewline]), [file(5), file(6)]);
    const children = await s.recordedChildren(bytes('odd'));
    assert.deepEqual([...children.keys()].sort(), [encodeRelPath(latin1), 'line\nbreak'].sort());
  });

  it("lists the escaped names of S3 keys' elements, which begin with a NUL", async () => {
    const s = fresh();
    // core/s3-keys.ts: an object `a` beside a directory `a/`, whose element is escaped.
    const names = ['a', '\u0000a', '\u0000b64:AAAA', 'plain'];
    await s.record(names.map((name, i) => ({ relPath: bytes(`esc/${name}`), state: file(i) })));
    const children = await s.recordedChildren(bytes('esc'));
    assert.deepEqual(
      [...children.keys()].sort(),
      names.map((name) => encodeRelPath(bytes(name))).sort(),
    );
    names.forEach((name, i) => assert.deepEqual(children.get(encodeRelPath(bytes(name))), file(i)));
  });

  it('records missing ancestors as directories, never overwriting them', async () => {
    const s = fresh();
    await s.record([{ relPath: bytes('p'), state: dir }]);
    await s.record([{ relPath: bytes('p/q/r/leaf'), state: file(1) }]);
    const [p, q, r] = await s.getMany([bytes('p'), bytes('p/q'), bytes('p/q/r')]);
    assert.deepEqual(p, dir);
    assert.equal(q?.type, 'dir');
    assert.equal(r?.type, 'dir');
    assert.equal(await s.trackedCount(), 4);
  });

  it('records a state only while the writer holds its lock, ancestors with it', async () => {
    const s = fresh();
    const locks = new FileLocks(redis, prefix, 'job');
    await locks.tryLock(['mine/a', 'lapsed/b', 'mine/c'], 10_000, 'run-1');
    // The lock of lapsed/b expired and another run took it over.
    await redis.del(`${prefix}:job:lock:lapsed/b`);
    await locks.tryLock(['lapsed/b'], 10_000, 'run-2');
    const written = await s.recordHeld(
      [
        { relPath: bytes('mine/a'), state: file(1) },
        { relPath: bytes('lapsed/b'), state: file(2) },
        { relPath: bytes('mine/c'), state: file(3) },
        { relPath: bytes('unlocked'), state: file(4) },
      ],
      'run-1',
    );
    assert.deepEqual(written, [true, false, true, false]);
    const got = await s.getMany(
      ['mine/a', 'lapsed/b', 'mine/c', 'unlocked', 'mine', 'lapsed'].map(bytes),
    );
    assert.deepEqual(got.slice(0, 4), [file(1), undefined, file(3), undefined]);
    assert.equal(got[4]?.type, 'dir', 'the ancestor of a written entry');
    assert.equal(got[5], undefined, 'no ancestor for a refused entry alone');
    assert.equal(await s.trackedCount(), 3);
  });

  it('records for a pass only what no worker holds and nobody changed since', async () => {
    const s = fresh();
    const locks = new FileLocks(redis, prefix, 'job');
    await s.record([
      { relPath: bytes('seen/same'), state: file(1) },
      { relPath: bytes('seen/moved'), state: file(2) },
    ]);
    // A worker acts on held/x and seen/x; seen/moved was recorded again after the pass compared
    // it.
    await locks.tryLock(['held/x', 'seen/x'], 10_000, 'worker');
    await s.record([{ relPath: bytes('seen/moved'), state: file(3) }]);
    assert.deepEqual(await s.recordUnlocked(bytes('new'), [unlocked('new/a', file(10))]), [true]);
    assert.deepEqual(await s.recordUnlocked(bytes('held'), [unlocked('held/x', file(11))]), [
      false,
    ]);
    const written = await s.recordUnlocked(bytes('seen'), [
      unlocked('seen/same', file(12), file(1)),
      unlocked('seen/x', file(14)),
      unlocked('seen/moved', file(13), file(2)),
    ]);
    assert.deepEqual(written, [true, false, false]);
    const got = await s.getMany(
      ['new/a', 'held/x', 'seen/same', 'seen/moved', 'seen/x', 'new', 'held'].map(bytes),
    );
    assert.deepEqual(got.slice(0, 5), [file(10), undefined, file(12), file(3), undefined]);
    assert.equal(got[5]?.type, 'dir', 'the ancestor of a written entry');
    assert.equal(got[6], undefined, 'no ancestor for a refused entry alone');
    // seen/, seen/same, seen/moved, new/, new/a.
    assert.equal(await s.trackedCount(), 5);
  });

  it('checks the lock of a pass entry whose path is not text, or whose name is not ASCII', async () => {
    const s = fresh();
    const locks = new FileLocks(redis, prefix, 'job');
    // Below a directory whose name is not UTF-8 every path is tagged (entry.ts), and a name that
    // is not ASCII travels as bytes: neither lock key is the directory's prefix and the name.
    const odd = Uint8Array.from([...Buffer.from('odd-'), 0xff]);
    const inOdd = (name: string) => Uint8Array.from([...odd, 0x2f, ...Buffer.from(name)]);
    const entries = [
      unlocked(inOdd('held'), file(1)),
      unlocked(inOdd('free'), file(2)),
      unlocked('text/ünï-held', file(3)),
      unlocked('text/ünï-free', file(4)),
      unlocked('text/plain-held', file(5)),
    ];
    await locks.tryLock([entries[0]!.path, entries[2]!.path, entries[4]!.path], 10_000, 'worker');
    assert.deepEqual(await s.recordUnlocked(odd, entries.slice(0, 2)), [false, true]);
    assert.deepEqual(await s.recordUnlocked(bytes('text'), entries.slice(2)), [false, true, false]);
    const got = await s.getMany([
      inOdd('held'),
      inOdd('free'),
      ...['ünï-held', 'ünï-free', 'plain-held'].map((name) => bytes(`text/${name}`)),
    ]);
    assert.deepEqual(got, [undefined, file(2), undefined, file(4), undefined]);
  });

  it('refuses a pass entry that is not a child of its directory', async () => {
    const s = fresh();
    await assert.rejects(
      s.recordUnlocked(bytes('a'), [{ ...unlocked('a/b/c', file(1)), name: 'b/c' }]),
      /not a name a directory holds/,
    );
    await assert.rejects(
      s.recordUnlocked(bytes('a'), [{ ...unlocked('a/b', file(1)), name: '' }]),
      /not a name a directory holds/,
    );
    assert.equal(await s.trackedCount(), 0);
  });

  it('shards a directory of 1,000 entries, keeping every shard compact', async () => {
    const s = fresh();
    const big = bytes('big');
    const names = Array.from({ length: 1000 }, (_, i) => `file-${i}-${'x'.repeat(i % 30)}.dat`);
    // Batches of 50 grow the directory step by step, past several shard thresholds.
    for (let i = 0; i < names.length; i += 50) {
      const batch = names.slice(i, i + 50);
      await s.record(
        batch.map((name, j) => ({ relPath: bytes(`big/${name}`), state: file(i + j) })),
      );
      if (i === 50) assert.equal((await s.directoryShape(big)).shards, 1);
    }
    await assertSharded(s, big, 8);
    const children = await s.recordedChildren(big);
    assert.equal(children.size, 1000);
    assert.deepEqual(children.get(names[777]!), file(777));
    const got = await s.getMany(names.map((name) => bytes(`big/${name}`)));
    assert.deepEqual(
      got.map((state) => state?.size),
      names.map((_, i) => i),
    );
    assert.equal(await s.trackedCount(), 1001);
  });

  it('writes 1,000 new entries of one directory at once, staying compact', async () => {
    const s = fresh();
    const entries = Array.from({ length: 1000 }, (_, i) => ({
      relPath: bytes(`bulk/n${i}`),
      state: file(i),
    }));
    await s.record(entries);
    const shape = await s.directoryShape(bytes('bulk'));
    assert.equal(shape.compact, true);
    assert.ok(shape.largestShard <= 100);
    assert.equal((await s.recordedChildren(bytes('bulk'))).size, 1000);
  });

  it('lists a directory of 2,500 long names and shards of other names, each with its state', async () => {
    const s = fresh();
    // Names over 64 bytes share one hash, answered in pieces; the short ones fill shards.
    const long = (i: number) => `${'l'.repeat(70)}-${i}`;
    await s.record([
      ...Array.from({ length: 2500 }, (_, i) => ({
        relPath: bytes(`wide/${long(i)}`),
        state: file(i),
      })),
      ...Array.from({ length: 300 }, (_, i) => ({
        relPath: bytes(`wide/s${i}`),
        state: file(i + 5000),
      })),
    ]);
    const children = await s.recordedChildren(bytes('wide'));
    assert.equal(children.size, 2800);
    for (const i of [0, 999, 1000, 2499]) assert.deepEqual(children.get(long(i)), file(i));
    for (const i of [0, 299]) assert.deepEqual(children.get(`s${i}`), file(i + 5000));
  });

  it('makes room for a pass batch of new entries beside those recorded, staying compact', async () => {
    const s = fresh();
    const recorded = Array.from({ length: 90 }, (_, i) => ({
      relPath: bytes(`mixed/old-${i}`),
      state: file(i),
    }));
    await s.record(recorded);
    assert.equal((await s.directoryShape(bytes('mixed'))).shards, 1);
    const own = Array.from({ length: 700 }, (_, i) => unlocked(`mixed/new-${i}`, file(1000 + i)));
    // One entry changed since the pass compared it: refused, and kept as it was.
    own.push(unlocked('mixed/old-5', file(9), file(4)));
    const written = await s.recordUnlocked(bytes('mixed'), own);
    assert.deepEqual(written, [...own.slice(0, 700).map(() => true), false]);
    await assertSharded(s, bytes('mixed'), 8);
    const children = await s.recordedChildren(bytes('mixed'));
    assert.equal(children.size, 790);
    assert.deepEqual(children.get('old-5'), file(5));
    assert.deepEqual(children.get('old-89'), file(89));
    assert.deepEqual(children.get('new-699'), file(1699));
    // mixed/ and its 790 entries.
    assert.equal(await s.trackedCount(), 791);
  });

  it('stays compact when the new entries of a directory all fall in one shard of two', async () => {
    const s = fresh();
    // Names whose shard is 0 of 2 (dir-scripts.ts: the first 32 bits of SHA-1, mod the count):
    // the room made for 90 new entries beside 60 splits the directory in two, and all 90 go to
    // the same shard, which passes 100 fields partway through the write.
    const shardOfTwo = (name: string) =>
      parseInt(createHash('sha1').update(name).digest('hex').slice(0, 8), 16) % 2;
    const skewed: string[] = [];
    for (let i = 0; skewed.length < 90; i++) {
      if (shardOfTwo(`skew-${i}`) === 0) skewed.push(`skew-${i}`);
    }
    await s.record(
      Array.from({ length: 60 }, (_, i) => ({ relPath: bytes(`lop/old-${i}`), state: file(i) })),
    );
    const written = await s.recordUnlocked(
      bytes('lop'),
      skewed.map((name, i) => unlocked(`lop/${name}`, file(100 + i))),
    );
    assert.deepEqual(
      written,
      skewed.map(() => true),
    );
    await assertSharded(s, bytes('lop'), 4);
    const children = await s.recordedChildren(bytes('lop'));
    assert.equal(children.size, 150);
    assert.deepEqual(children.get(skewed[89]!), file(189));
    assert.deepEqual(children.get('old-59'), file(59));
    assert.equal(await s.trackedCount(), 151);
  });

  it('grows a large directory a few shards per write, leaving most entries where they are', async () => {
    const s = fresh();
    /** Which key holds each entry of the job's directories. */
    const placement = async (): Promise<Map<string, string>> => {
      const where = new Map<string, string>();
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:job:d:*`, 'COUNT', 1000);
        cursor = next;
        for (const key of keys) for (const name of await redis.hkeys(key)) where.set(name, key);
      } while (cursor !== '0');
      return where;
    };
    const CHUNK = 1000;
    let before = new Map<string, string>();
    let mostMoved = 0;
    for (let at = 0; at < 20_000; at += CHUNK) {
      const own = Array.from({ length: CHUNK }, (_, i) =>
        unlocked(`huge/f${at + i}.dat`, file(at + i)),
      );
      assert.ok((await s.recordUnlocked(bytes('huge'), own)).every(Boolean));
      const after = await placement();
      const moved = [...before].filter(([name, key]) => after.get(name) !== key).length;
      mostMoved = Math.max(mostMoved, moved);
      before = after;
    }
    // A split moves part of one shard (at most 128 entries); a write of 1,000 new entries makes
    // at most 1000 / 40 + 2 of them. Doubling the directory at once moved 10,000 here.
    assert.ok(mostMoved <= 27 * 128, `most entries moved by one write: ${mostMoved}`);
    const shape = await s.directoryShape(bytes('huge'));
    assert.equal(shape.compact, true);
    assert.ok(shape.largestShard < 128, `largest shard: ${shape.largestShard}`);
    assert.ok(shape.shards >= 20_000 / 80, `shards: ${shape.shards}`);
    assert.equal((await s.recordedChildren(bytes('huge'))).size, 20_000);
    const names = Array.from({ length: 20_000 }, (_, i) => bytes(`huge/f${i}.dat`));
    const sizes = (await s.getMany(names)).map((state) => state?.size);
    assert.deepEqual(
      sizes,
      names.map((_, i) => i),
    );
    // One entry at a time (a worker's writes) grows it the same way.
    for (let i = 0; i < 2000; i++) {
      await s.record([{ relPath: bytes(`huge/g${i}.dat`), state: file(i) }]);
    }
    assert.equal((await s.recordedChildren(bytes('huge'))).size, 22_000);
    assert.equal((await s.directoryShape(bytes('huge'))).compact, true);
    assert.equal(await s.trackedCount(), 22_001);
  });

  it('reads a directory larger than one call may read over several calls, every entry', async () => {
    const s = fresh();
    // 49,000 names in shards and 3,000 long ones: the first call stops partway through the long
    // names (about 50,000 entries per call), the next goes on from its HSCAN cursor.
    const long = (i: number) => `${'l'.repeat(70)}-${i}`;
    const names = [
      ...Array.from({ length: 49_000 }, (_, i) => `s${i}`),
      ...Array.from({ length: 3000 }, (_, i) => long(i)),
    ];
    for (let at = 0; at < names.length; at += 2000) {
      await s.recordUnlocked(
        bytes('vast'),
        names.slice(at, at + 2000).map((name, i) => unlocked(`vast/${name}`, file(at + i))),
      );
    }
    // A directory after it in the same read is read too, from its start.
    const [vast, root] = await s.packedChildren([bytes('vast'), bytes('')]);
    assert.equal([...vast!.keys()].length, names.length);
    assert.deepEqual([...root!.keys()], ['vast']);
    const children = await s.recordedChildren(bytes('vast'));
    assert.equal(children.size, names.length);
    for (const i of [0, 48_999, 49_000, 51_999]) {
      assert.deepEqual(children.get(names[i]!), file(i), names[i]);
    }
  });

  it('keeps names longer than a compact field apart and still finds them', async () => {
    const s = fresh();
    const long = 'L'.repeat(200);
    await s.record([
      { relPath: bytes(`d/${long}`), state: file(9) },
      { relPath: bytes('d/short'), state: file(1) },
    ]);
    assert.deepEqual(await s.getMany([bytes(`d/${long}`)]), [file(9)]);
    assert.equal((await s.recordedChildren(bytes('d'))).size, 2);
    assert.equal((await s.directoryShape(bytes('d'))).compact, true);
    await s.forget([bytes(`d/${long}`)]);
    assert.deepEqual([...(await s.recordedChildren(bytes('d'))).keys()], ['short']);
  });

  it('forgets single entries and keeps the tracked count exact', async () => {
    const s = fresh();
    await s.record([
      { relPath: bytes('a'), state: file(1) },
      { relPath: bytes('b'), state: file(2) },
    ]);
    await s.forget([bytes('a'), bytes('never-recorded')]);
    assert.deepEqual(await s.getMany([bytes('a'), bytes('b')]), [undefined, file(2)]);
    assert.equal(await s.trackedCount(), 1);
  });

  it('forgets a tree of nested and sharded directories and nothing beside it', async () => {
    const s = fresh();
    const entries = [
      { relPath: bytes('keep'), state: dir },
      { relPath: bytes('keep/file'), state: file(1) },
      { relPath: bytes('gone'), state: dir },
      { relPath: bytes('gone/a'), state: file(1) },
      { relPath: bytes('gone/sub'), state: dir },
      { relPath: bytes('gone/sub/b'), state: file(2) },
      { relPath: bytes('gone/sub/deeper/c'), state: file(3) },
      { relPath: bytes('gone-too-similar/x'), state: file(4) },
    ];
    for (let i = 0; i < 250; i++) {
      entries.push({ relPath: bytes(`gone/sub/wide/f${i}`), state: file(i) });
    }
    await s.record(entries);
    assert.equal(await s.trackedCount(), 261);
    const removed = await s.forgetTree(bytes('gone'));
    // gone, a, sub, b, deeper (ancestor), c, wide (ancestor), 250 files.
    assert.equal(removed, 257);
    assert.equal(await s.trackedCount(), 4);
    assert.equal((await s.recordedChildren(bytes('gone/sub/wide'))).size, 0);
    assert.deepEqual(await s.getMany([bytes('gone'), bytes('gone/sub/deeper/c')]), [
      undefined,
      undefined,
    ]);
    assert.deepEqual(await s.getMany([bytes('keep/file'), bytes('gone-too-similar/x')]), [
      file(1),
      file(4),
    ]);
    assert.deepEqual([...(await s.recordedChildren(bytes(''))).keys()].sort(), [
      'gone-too-similar',
      'keep',
    ]);
  });

  it('keeps the state of two jobs apart under one prefix', async () => {
    const s = fresh();
    const { redis: other, prefix } = connect(server);
    try {
      const a = new FileStateStore(other, prefix, 'a');
      const b = new FileStateStore(other, prefix, 'b');
      await a.record([{ relPath: bytes('same'), state: file(1) }]);
      await b.record([{ relPath: bytes('same'), state: file(2) }]);
      assert.deepEqual(await a.getMany([bytes('same')]), [file(1)]);
      assert.deepEqual(await b.getMany([bytes('same')]), [file(2)]);
      assert.equal(await s.trackedCount(), 0);
    } finally {
      other.disconnect();
    }
  });

  it('refuses the empty root path as an entry', async () => {
    await assert.rejects(fresh().record([{ relPath: bytes(''), state: dir }]), {
      code: 'STATE_PATH',
    });
  });
});
