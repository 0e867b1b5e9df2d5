import assert from 'node:assert/strict';
import { mkdtemp, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { isGoneErrno, isGoneError } from '../../../src/core/gone.js';

describe('the "gone" rule', () => {
  const table: [string, boolean][] = [
    ['ENOENT', true],
    ['ENOTDIR', true],
    ['EACCES', false],
    ['ELOOP', false],
    ['EIO', false],
    ['ENAMETOOLONG', false],
  ];
  for (const [code, gone] of table) {
    it(`${code} ${gone ? 'is' : 'is not'} gone`, () => {
      assert.equal(isGoneErrno(code), gone);
      assert.equal(isGoneError(Object.assign(new Error(code), { code })), gone);
    });
  }

  it('takes nothing without an errno for gone', () => {
    assert.equal(isGoneErrno(undefined), false);
    assert.equal(isGoneError(new Error('ENOENT in the message only')), false);
    assert.equal(isGoneError(undefined), false);
    assert.equal(isGoneError('ENOENT'), false);
  });

  describe('on the errors the file system really raises', () => {
    let dir: string;
    before(async () => {
      dir = await mkdtemp(join(tmpdir(), 'ingest-gone-'));
      await writeFile(join(dir, 'file'), 'x');
      await symlink('loop-b', join(dir, 'loop-a'));
      await symlink('loop-a', join(dir, 'loop-b'));
    });
    after(() => rm(dir, { recursive: true, force: true }));

    const failureOf = (path: string) =>
      stat(path).then(
        () => assert.fail(`${path} exists`),
        (error: unknown) => error,
      );

    it('a missing file is gone', async () => {
      assert.equal(isGoneError(await failureOf(join(dir, 'missing'))), true);
    });

    it('a path whose parent directory is now a file is gone', async () => {
      const error = await failureOf(join(dir, 'file', 'child'));
      assert.equal((error as { code?: string }).code, 'ENOTDIR');
      assert.equal(isGoneError(error), true);
    });

    it('a symbolic link loop is unreadable, not gone', async () => {
      const error = await failureOf(join(dir, 'loop-a'));
      assert.equal((error as { code?: string }).code, 'ELOOP');
      assert.equal(isGoneError(error), false);
    });
  });
});
