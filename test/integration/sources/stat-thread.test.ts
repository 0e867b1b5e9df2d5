import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { lstatSync, mkdirSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { StatFacts } from '../../../src/sources/stat-facts.js';
import { isStatFailure, StatThread, type StatAnswer } from '../../../src/sources/stat-thread.js';
import { bytePath, tempTree } from './fixtures.js';

/** The facts a stat thread answers, read on this thread for comparison. */
function expected(path: string | Buffer, follow = false): StatFacts {
  const info = follow ? statSync(path, { bigint: true }) : lstatSync(path, { bigint: true });
  const { mode, size, mtimeNs, ctimeNs, ino, dev, uid, gid } = info;
  return { mode, size, mtimeNs, ctimeNs, ino, dev, uid, gid };
}

describe('StatThread', () => {
  let root: string;
  let dispose: () => void;
  const latin1Name = Uint8Array.from([0x66, 0xe9]); // "fé" in Latin-1: not valid UTF-8
  before(() => {
    ({ root, dispose } = tempTree());
    writeFileSync(join(root, 'file'), 'twelve bytes');
    mkdirSync(join(root, 'dir'));
    symlinkSync('file', join(root, 'link'));
    symlinkSync('loop', join(root, 'loop'));
    writeFileSync(bytePath(root, latin1Name), 'x');
  });
  after(() => dispose());

  it('hashes the small regular files it is given, with the stat the digest belongs to', async () => {
    const stats = new StatThread();
    try {
      writeFileSync(join(root, 'large'), Buffer.alloc(2048, 1));
      const answers = await stats.hashMany(
        [
          join(root, 'file'),
          bytePath(root, latin1Name),
          join(root, 'large'),
          join(root, 'dir'),
          join(root, 'link'),
          join(root, 'missing'),
        ],
        false,
        1024,
      );
      const sha256 = (text: string) => new Uint8Array(createHash('sha256').update(text).digest());
      assert.deepEqual(answers, [
        { stat: expected(join(root, 'file')), sha256: sha256('twelve bytes') },
        { stat: expected(bytePath(root, latin1Name)), sha256: sha256('x') },
        undefined,
        undefined,
        undefined,
        undefined,
      ]);
      const followed = await stats.hashMany([join(root, 'link')], true, 1024);
      assert.deepEqual(followed, [
        { stat: expected(join(root, 'file'), true), sha256: sha256('twelve bytes') },
      ]);
    } finally {
      await stats.close();
    }
  });

  it('answers each path in order: its stat, undefined when gone, the errno when unreadable', async () => {
    const stats = new StatThread();
    try {
      const answers = await stats.statMany(
        [
          join(root, 'file'),
          join(root, 'dir'),
          join(root, 'link'),
          join(root, 'missing'),
          join(root, 'file', 'below-a-file'),
          bytePath(root, latin1Name),
        ],
        false,
      );
      assert.deepEqual(answers, [
        expected(join(root, 'file')),
        expected(join(root, 'dir')),
        expected(join(root, 'link')),
        undefined,
        undefined,
        expected(bytePath(root, latin1Name)),
      ]);
      const followed = await stats.statMany([join(root, 'link'), join(root, 'loop')], true);
      assert.deepEqual(followed[0], expected(join(root, 'file'), true));
      assert.ok(isStatFailure(followed[1]));
      assert.equal(followed[1].errno, 'ELOOP');
      assert.match(followed[1].message, /loop/);
    } finally {
      await stats.close();
    }
  });

  it('keeps concurrent requests apart and starts again after close()', async () => {
    const stats = new StatThread();
    try {
      const paths = Array.from({ length: 40 }, (_, i) => join(root, i % 2 ? 'file' : 'dir'));
      const answers = await Promise.all(paths.map((path) => stats.statMany([path], false)));
      const sizeOf = (answer: StatAnswer) => (answer as StatFacts).size;
      assert.deepEqual(
        answers.map(([answer]) => sizeOf(answer)),
        paths.map((path) => expected(path).size),
      );
      await stats.close();
      const [again] = await stats.statMany([join(root, 'file')], false);
      assert.deepEqual(again, expected(join(root, 'file')));
    } finally {
      await stats.close();
    }
  });

  it('fails the requests waiting when the thread is closed under them', async () => {
    const stats = new StatThread();
    const many = Array.from({ length: 20_000 }, () => join(root, 'file'));
    const waiting = stats.statMany(many, false);
    await stats.close();
    await assert.rejects(waiting, { code: 'STAT_THREAD_FAILED' });
  });
});
