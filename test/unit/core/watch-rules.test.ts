import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ADVISED_QUEUED_EVENTS,
  overflowPossibleAt,
  planWatch,
  WATCH_RESERVE,
} from '../../../src/core/watch-rules.js';

describe('planWatch', () => {
  const local = { forced: false, fsType: 'ext4', directories: 1000, limit: 100_000, inUse: 0 };

  it('watches a local tree that fits the budget', () => {
    assert.deepEqual(planWatch(local), { watch: true });
  });

  for (const fsType of ['nfs', 'nfs4', 'cifs', 'lustre', 'gpfs', 'beegfs', 'fuse.sshfs']) {
    it(`does not watch ${fsType} unless forced`, () => {
      const plan = planWatch({ ...local, fsType });
      assert.equal(plan.watch, false);
      assert.match(
        plan.watch ? '' : plan.reason,
        new RegExp(`on ${fsType.replace('.', '\\.')}, a network filesystem.*watch = "force"`),
      );
      assert.deepEqual(planWatch({ ...local, fsType, forced: true }), { watch: true });
    });
  }

  it('counts the watches in use and a reserve against the limit', () => {
    const limit = 10_000;
    const fits = { ...local, limit, inUse: 4000, directories: limit - 4000 - WATCH_RESERVE };
    assert.deepEqual(planWatch(fits), { watch: true });
    const plan = planWatch({ ...fits, directories: fits.directories + 1 });
    assert.equal(plan.watch, false);
    assert.match(
      plan.watch ? '' : plan.reason,
      /4977 directories to watch do not fit fs.inotify.max_user_watches = 10000 \(4000 in use, 1024 kept free\)/,
    );
  });

  it('watches when the limit or the filesystem cannot be read', () => {
    assert.deepEqual(planWatch({ forced: false, directories: 10 ** 9, inUse: 0 }), { watch: true });
  });
});

describe('overflowPossibleAt', () => {
  it('asks for a quarter of the queue in events: no file makes more than four', () => {
    assert.equal(overflowPossibleAt(16_384), 4_096);
    assert.equal(overflowPossibleAt(ADVISED_QUEUED_EVENTS), 65_536);
    assert.equal(overflowPossibleAt(2), 1, 'never zero');
  });
});
