import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  judgeRoot,
  pairChange,
  type RootFacts,
  type RootLook,
  type RootVerdict,
} from '../../../src/core/source-identity.js';

const ROOT = { dev: 2049n, ino: 131n };
const dir = (identity = ROOT, markerMissing = false): RootLook => ({
  kind: 'directory',
  identity,
  markerMissing,
});

function judge(facts: Partial<RootFacts>): RootVerdict {
  return judgeRoot({
    source: '/data/m1',
    marker: '',
    recorded: ROOT,
    tracked: 10,
    look: dir(),
    ...facts,
  });
}

describe('source root identity', () => {
  it('lets a pass run over the recorded root', () => {
    assert.deepEqual(judge({}), { kind: 'ok' });
  });

  it('records the root while the job tracks nothing, and the first time', () => {
    const other = { dev: 64768n, ino: 2n };
    assert.deepEqual(judge({ recorded: undefined }), { kind: 'record', identity: ROOT });
    assert.deepEqual(judge({ tracked: 0, look: dir(other) }), { kind: 'record', identity: other });
    assert.deepEqual(judge({ tracked: 0 }), { kind: 'ok' });
  });

  it('refuses a missing, unreadable or non-directory root, and a missing marker', () => {
    const table: [Partial<RootFacts>, string][] = [
      [{ look: { kind: 'missing' } }, 'the source root /data/m1 does not exist'],
      [
        { look: { kind: 'unreadable', errno: 'EACCES' } },
        'the source root /data/m1 cannot be looked at (EACCES)',
      ],
      [
        { look: { kind: 'not-directory', type: 'file' } },
        'the source root /data/m1 is not a directory (it is a file)',
      ],
      [
        { marker: '.irods-ingest', look: dir(ROOT, true), recorded: undefined, tracked: 0 },
        'the source marker /data/m1/.irods-ingest is missing: is the file system mounted?',
      ],
    ];
    for (const [facts, reason] of table) {
      assert.deepEqual(judge(facts), { kind: 'refuse', reason });
    }
  });

  it('refuses another device or another directory, which the operator may accept', () => {
    const unmounted = { dev: 64768n, ino: 131n };
    assert.deepEqual(judge({ look: dir(unmounted) }), {
      kind: 'refuse',
      reason:
        'the source root /data/m1 is on another device than the one the job recorded (device 2049, now 64768): is the file system unmounted?',
      acceptable: unmounted,
    });
    const replaced = { dev: 2049n, ino: 999n };
    assert.deepEqual(judge({ look: dir(replaced) }), {
      kind: 'refuse',
      reason:
        'the source root /data/m1 is another directory than the one the job recorded (inode 131, now 999): was it replaced?',
      acceptable: replaced,
    });
  });

  it('takes a root holding its marker for the right one, even on another device', () => {
    const remounted = { dev: 64768n, ino: 1n };
    assert.deepEqual(judge({ marker: '.mark', look: dir(remounted) }), {
      kind: 'record',
      identity: remounted,
      previous: ROOT,
    });
    assert.deepEqual(judge({ marker: '.mark' }), { kind: 'ok' });
  });

  it('compares only the inode on a worker host, whose device numbers are its own', () => {
    const elsewhere = true;
    assert.deepEqual(judge({ elsewhere, look: dir({ dev: 64768n, ino: 131n }) }), { kind: 'ok' });
    assert.deepEqual(judge({ elsewhere, look: dir({ dev: 2049n, ino: 2n }) }), {
      kind: 'refuse',
      reason:
        "the source root /data/m1 on this host is another directory than the one the job's scanning daemon recorded (inode 131, here 2): is the file system mounted here? A file system whose inode numbers differ between hosts (FUSE) needs a source_marker",
    });
    const withMarker = { elsewhere, marker: '.mark', look: dir({ dev: 64768n, ino: 7n }) };
    assert.equal(judge(withMarker).kind, 'record');
  });

  it('tells a changed source or target, naming the old collection', () => {
    const pair = { source: '/data/a', target: '/z/home/t1' };
    assert.equal(pairChange('j', undefined, pair), undefined);
    assert.equal(pairChange('j', pair, pair), undefined);
    assert.equal(
      pairChange('j', pair, { ...pair, target: '/z/home/t2' }),
      'job j: target changed from /z/home/t1 to /z/home/t2: starting on fresh state (its files are sent again); nothing is deleted for the old pair, and the collection /z/home/t1 is left as it is',
    );
    assert.match(
      pairChange('j', pair, { source: '/data/b', target: '/z/home/t2' }) ?? '',
      /^job j: source changed from \/data\/a to \/data\/b and target changed from/,
    );
  });
});
