import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { decodeChunk } from '../../../src/sources/entry-codec.js';
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
      entries: decodeChunk(chunk.entries).entries.map((entry) => ({
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
