/**
 * resolveTrusted on real directories: it resolves like realpath(3) and finds every directory a
 * name is looked up in that someone other than root and the daemon's user could change, through
 * symlink chains and `..` too. Ownership by another user needs root to set up.
 */
import assert from 'node:assert/strict';
import { chmod, lchown, mkdir, mkdtemp, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { resolveTrusted } from '../../../src/config/trusted-path.js';

const NOBODY = 65534;
const uid = process.getuid?.() ?? 0;

describe(
  'resolveTrusted',
  { skip: uid !== 0 && 'needs root to give files to another user' },
  () => {
    let dir: string;

    before(async () => {
      dir = await realpath(await mkdtemp(join(tmpdir(), 'trusted-path-')));
      await mkdir(join(dir, 'safe/sub'), { recursive: true, mode: 0o755 });
      await writeFile(join(dir, 'safe/sub/h.mjs'), '', { mode: 0o644 });
      await writeFile(join(dir, 'safe/open-file.mjs'), '');
      await chmod(join(dir, 'safe/open-file.mjs'), 0o666);
      await mkdir(join(dir, 'open/sub'), { recursive: true });
      await chmod(join(dir, 'open'), 0o777);
      await writeFile(join(dir, 'open/sub/h.mjs'), '', { mode: 0o644 });
      await mkdir(join(dir, 'sticky'));
      await chmod(join(dir, 'sticky'), 0o1777);
      await mkdir(join(dir, 'sticky/mine'));
      await symlink(join(dir, 'safe'), join(dir, 'sticky/theirs'));
      // The link itself belongs to someone else, as if they had made it.
      await lchown(join(dir, 'sticky/theirs'), NOBODY, NOBODY);
      // A chain: safe/hop → open/hop → safe/sub; the second link lies in a directory anyone may write.
      await symlink(join(dir, 'safe/sub'), join(dir, 'open/hop'));
      await symlink('../open/hop', join(dir, 'safe/hop'));
      await symlink('loop-b', join(dir, 'safe/loop-a'));
      await symlink('loop-a', join(dir, 'safe/loop-b'));
      await symlink('sub/h.mjs', join(dir, 'safe/rel-link.mjs'));
    });

    after(async () => {
      await rm(dir, { recursive: true, force: true });
    });

    it('resolves as realpath does', async () => {
      for (const path of [
        'safe/sub/h.mjs',
        'safe/rel-link.mjs',
        'safe/hop/h.mjs',
        'sticky/theirs/sub',
        'safe/hop/../open-file.mjs',
      ]) {
        // Not join(): it would fold `hop/..` before the link is followed.
        const result = await resolveTrusted(`${dir}/${path}`, uid);
        assert.ok('real' in result, path);
        assert.equal(result.real, await realpath(`${dir}/${path}`), path);
      }
    });

    it('trusts a path that only root can change, a sticky directory included', async () => {
      for (const path of ['safe/sub/h.mjs', 'safe/rel-link.mjs', 'sticky/mine']) {
        const result = await resolveTrusted(join(dir, path), uid);
        assert.deepEqual(result, { real: await realpath(join(dir, path)) }, path);
      }
    });

    it('names the directory or file someone else could change, with its mode', async () => {
      const cases: [string, RegExp][] = [
        [
          'open/sub/h.mjs',
          /\/open \(mode 0777, owner uid 0, group gid \d+\) can be written by every user/,
        ],
        // Through a link that lies in the open directory.
        ['safe/hop/h.mjs', /\/open \(mode 0777.*every user/],
        // A link someone else made in a sticky directory.
        ['sticky/theirs/sub/h.mjs', /\/sticky \(mode 1777.*every user/],
        ['safe/open-file.mjs', /open-file\.mjs \(mode 0666.*every user/],
      ];
      for (const [path, pattern] of cases) {
        const result = await resolveTrusted(join(dir, path), uid);
        assert.ok('untrusted' in result && result.untrusted !== undefined, path);
        assert.match(result.untrusted, pattern, path);
      }
      const above = await resolveTrusted(join(dir, 'safe/open-file.mjs'), uid, { aboveOnly: true });
      assert.deepEqual(above, { real: join(dir, 'safe/open-file.mjs') });
    });

    it('fails on what cannot be resolved', async () => {
      const cases: [string, string][] = [
        ['safe/none.mjs', 'ENOENT'],
        ['safe/sub/h.mjs/x', 'ENOTDIR'],
        ['safe/loop-a', 'ELOOP'],
      ];
      for (const [path, code] of cases) {
        const result = await resolveTrusted(join(dir, path), uid);
        assert.ok('error' in result, path);
        assert.equal(result.error.code, code, path);
      }
    });
  },
);
