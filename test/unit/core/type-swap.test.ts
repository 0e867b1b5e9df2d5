import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  IN_THE_WAY,
  inTheWayMessage,
  swapPlan,
  type EntryKind,
  type SwapPlan,
} from '../../../src/core/type-swap.js';
import type { DeleteMode, Operation } from '../../../src/core/job-rules.js';

describe('type swaps', () => {
  it('clears the old copy through a delete mode, is blocked by keep', () => {
    const table: [EntryKind | undefined, EntryKind, DeleteMode, Operation, SwapPlan][] = [
      [undefined, 'file', 'no_trash', 'put_sync', 'none'],
      ['file', 'file', 'keep', 'put_sync', 'none'],
      ['dir', 'dir', 'keep', 'register', 'none'],
      ['dir', 'file', 'no_trash', 'put_sync', 'clear'],
      ['file', 'dir', 'trash', 'put_append', 'clear'],
      ['dir', 'file', 'unregister', 'register', 'clear'],
      ['dir', 'file', 'keep', 'put_sync', 'blocked'],
      ['file', 'dir', 'keep', 'register', 'blocked'],
      ['file', 'dir', 'keep', 'none', 'forget'],
    ];
    for (const [recorded, observed, mode, operation, plan] of table) {
      assert.equal(
        swapPlan(recorded, observed, mode, operation),
        plan,
        `${recorded}→${observed} ${operation}/${mode}`,
      );
    }
  });

  it('says what is in the way and why', () => {
    assert.equal(
      inTheWayMessage('dir', '/z/t/x', IN_THE_WAY.kept),
      'the collection /z/t/x (the directory that was here) is in the way; with delete = "keep" it stays: remove it in iRODS, or use a delete mode',
    );
    assert.equal(
      inTheWayMessage('dir', '/z/t/x', IN_THE_WAY.notEmpty),
      'the collection /z/t/x (the directory that was here) is in the way: it still holds objects the job did not put there; move them away in iRODS',
    );
    assert.equal(
      inTheWayMessage('file', '/z/t/x', IN_THE_WAY.notOwned),
      'the data object /z/t/x (the file that was here) is in the way: it has replicas outside the source, which unregistering would orphan; remove it in iRODS',
    );
  });
});
