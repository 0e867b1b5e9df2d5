import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { lstatSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { PackedEntries } from '../../../src/sources/entry-codec.js';
import { compileExclusion } from '../../../src/sources/exclude.js';
import { StatHelper } from '../../../src/sources/stat-helper.js';
import { walkTree, type WalkOptions } from '../../../src/sources/walk.js';
import { bytePath, show, tempTree } from './fixtures.js';

/** Every chunk of a walk, with its entries decoded, in the order the walk delivered them. */
function walk(root: string, options: WalkOptions) {
  const chunks: unknown[] = [];
  const failure = walkTree(root, options, (chunk) => {
    chunks.push({
      ...chunk,
      dir: show(chunk.dir),
      entries: new PackedEntries(chunk.entries).decodeAll().map((entry) => ({
        ...entry,
        relPath: show(entry.relPath),
      })),
    });
  });
  assert.equal(failure, undefined);
  return chunks;
}

describe('the stat helper in a walk', () => {
  let root: string;
  let dispose: () => void;
  let helper: StatHelper;
  before(async () => {
    ({ root, dispose } = tempTree());
    // Big enough listings for hand-overs, with every kind of entry among the helper's share.
    for (const dir of ['a', 'b/c']) {
      mkdirSync(join(root, dir), { recursive: true });
      for (let i = 0; i < 150; i++) writeFileSync(join(root, dir, `f${i}.dat`), 'x'.repeat(i));
      for (let i = 0; i < 5; i++) mkdirSync(join(root, dir, `sub${i}`));
      symlinkSync('f1.dat', join(root, dir, 'link'));
      symlinkSync('missing', join(root, dir, 'dangling'));
      execFileSync('mkfifo', [join(root, dir, 'pipe')]);
      writeFileSync(bytePath(join(root, dir), Uint8Array.from([0x66, 0xe9])), 'latin-1 name');
    }
    helper = StatHelper.start();
    for (let i = 0; i < 200 && !helper.ready; i++) await sleep(50);
    assert.ok(helper.ready, 'the helper thread started');
  });
  after(() => dispose());

  it('answers a request right after one whose every path the walk took, without waiting', () => {
    const paths = (dir: string) =>
      Array.from({ length: 100 }, (_, i) => join(root, dir, `f${i}.dat`));
    let tookAll = 0;
    for (let round = 0; round < 20; round++) {
      helper.prefetch(paths('a'));
      // Taking the helper's first path stops it at once, so the walk takes every path: it does
      // not wait for the helper's answer then, and the helper may still be on this request
      // when the next one comes.
      if (helper.claim(99)) {
        for (let i = 0; i < 99; i++) assert.equal(helper.claim(i), true);
        assert.deepEqual(helper.collect(100), []);
        tookAll += 1;
      } else {
        let i = 0;
        while (helper.claim(i)) i += 1;
        helper.collect(i);
      }
      helper.prefetch(paths('b/c'));
      const answers = helper.collect(0);
      assert.equal(answers.length, 100);
      answers.forEach((answer, i) => {
        const path = join(root, 'b/c', `f${i}.dat`);
        assert.ok(answer !== undefined && answer !== 'gone', `${path} stated`);
        assert.equal(answer.size, BigInt(i), path);
        assert.equal(answer.ino, lstatSync(path, { bigint: true }).ino, path);
      });
    }
    assert.ok(tookAll > 0, 'the walk took every path of some request');
  });

  for (const followSymlinks of [false, true]) {
    for (const chunkSize of [1000, 40]) {
      it(`delivers what a walk alone does (links ${followSymlinks ? '' : 'not '}followed, chunks of ${chunkSize})`, () => {
        const options = {
          exclusion: compileExclusion(['**/f7*.dat'], ['fifo']),
          followSymlinks,
          chunkSize,
        };
        const alone = walk(root, options);
        assert.ok(alone.length >= 3);
        assert.deepEqual(walk(root, { ...options, helper }), alone);
      });
    }
  }
});
