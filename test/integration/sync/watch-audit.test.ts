/**
 * Issue 20: a burst big enough to have overflowed the kernel's event queue is checked against the
 * directories it changed (src/sync/watch-audit.ts), with a real Redis for the recorded states and
 * the failure list and a real directory on disk. The events here are noted by hand: what the
 * audit must notice is an entry on disk that no event named.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Redis } from 'ioredis';
import { compileExclusion } from '../../../src/sources/exclude.js';
import { FailureStore, FileStateStore } from '../../../src/state/index.js';
import { AUDIT_DIRECTORIES, WatchAudit } from '../../../src/sync/watch-audit.js';
import { startRedis, type TestRedis } from '../../helpers/redis.js';
import { bytes, connect } from '../state/setup.js';

const FILE = { type: 'file' as const, size: 1, mtimeNs: 1n, ino: 2n };

describe('the watcher audit after a big burst', () => {
  let server: TestRedis;
  const clients: Redis[] = [];
  const dirs: string[] = [];
  before(async () => {
    server = await startRedis();
  });
  after(async () => {
    for (const client of clients) client.disconnect();
    await server.stop();
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  /** A source with `names` in `run/`, one recorded, one failing; an audit with threshold 3. */
  async function setUp(names: string[], exclude: string[] = []) {
    const { redis, prefix } = connect(server);
    clients.push(redis);
    const source = await mkdtemp(join(tmpdir(), 'audit-'));
    dirs.push(source);
    await mkdir(join(source, 'run'));
    for (const name of names) await writeFile(join(source, 'run', name), 'x');
    const states = new FileStateStore(redis, prefix, 'job');
    const failures = new FailureStore(redis, prefix, 'job');
    await states.record([{ relPath: bytes('run/recorded'), state: FILE }]);
    await failures.record({
      relPath: 'run/failing',
      operation: 'put',
      message: 'no',
      attempts: 1,
      at: 1,
    });
    const lost: string[] = [];
    const audit = new WatchAudit({
      source,
      states,
      failures,
      exclusion: compileExclusion(exclude, []),
      threshold: 3,
      lost: (why) => lost.push(why),
    });
    return { source, audit, lost };
  }

  it('asks for a rescan when an entry on disk was named by no event', async () => {
    const { audit, lost } = await setUp(['recorded', 'failing', 'a', 'b', 'c', 'missed']);
    for (const name of ['a', 'b', 'c']) audit.note(`run/${name}`);
    audit.afterFlush(true);
    await audit.settled();
    assert.equal(lost.length, 1);
    assert.match(
      lost[0]!,
      /^the watcher missed 1 entries after a burst of 3 events \(e\.g\. missed in run\): the kernel's event queue overflowed/,
    );
  });

  it('stays quiet when every entry is recorded, failing, excluded or named by an event', async () => {
    const { audit, lost } = await setUp(
      ['recorded', 'failing', 'a', 'b', 'c', 'x.tmp'],
      ['**/*.tmp'],
    );
    for (const name of ['a', 'b', 'c']) audit.note(`run/${name}`);
    audit.afterFlush(true);
    await audit.settled();
    assert.deepEqual(lost, []);
  });

  it('checks nothing before the burst reached its threshold, or while it goes on', async () => {
    const { audit, lost } = await setUp(['a', 'b', 'missed']);
    audit.note('run/a');
    audit.note('run/b');
    audit.afterFlush(true);
    await audit.settled();
    audit.note('run/a');
    audit.afterFlush(false);
    await audit.settled();
    assert.deepEqual(lost, []);
    audit.afterFlush(true);
    await audit.settled();
    assert.equal(lost.length, 1, 'once it settled');
  });

  it('takes an entry that the next event names within a moment for no loss', async () => {
    const { audit, lost } = await setUp(['a', 'b', 'c', 'late']);
    for (const name of ['a', 'b', 'c']) audit.note(`run/${name}`);
    audit.afterFlush(true);
    // Its event was on its way when the directory was listed.
    setTimeout(() => audit.note('run/late'), 100);
    await audit.settled();
    assert.deepEqual(lost, []);
  });

  it('finds the one entry missed in a directory larger than a page of lookups', async () => {
    const names = Array.from({ length: 2_500 }, (_, i) => `f${i}`);
    const { audit, lost } = await setUp(names);
    for (const name of names.slice(0, -1)) audit.note(`run/${name}`);
    audit.afterFlush(true);
    await audit.settled();
    assert.equal(lost.length, 1);
    assert.match(lost[0]!, /missed 1 entries .*\(e\.g\. f2499 in run\)/);
  });

  it('takes a burst over more directories than it lists for a loss', async () => {
    const { audit, lost } = await setUp([]);
    for (let i = 0; i <= AUDIT_DIRECTORIES; i++) audit.note(`d${i}/f`);
    audit.afterFlush(true);
    await audit.settled();
    assert.equal(lost.length, 1);
    assert.match(lost[0]!, new RegExp(`over ${AUDIT_DIRECTORIES + 1} directories`));
  });
});
