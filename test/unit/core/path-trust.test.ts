import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  octalMode,
  untrustedElementProblem,
  type PathElement,
} from '../../../src/core/path-trust.js';

const DAEMON = 998;
const DIR = 0o040000;
const FILE = 0o100000;

function element(path: string, mode: number, uid = 0, gid = 0): PathElement {
  return { path, mode, uid, gid, isDirectory: (mode & DIR) !== 0 };
}

describe('path trust', () => {
  it('trusts what only root and the daemon user can change', () => {
    const table: [PathElement, PathElement | undefined, RegExp | undefined][] = [
      [element('/etc/h/a.mjs', FILE | 0o644), undefined, undefined],
      [element('/etc/h/a.mjs', FILE | 0o600, DAEMON, DAEMON), undefined, undefined],
      [element('/etc/h', DIR | 0o775, 0, 0), element('/etc/h/a.mjs', FILE | 0o644), undefined],
      [element('/tmp', DIR | 0o1777), element('/tmp/h', DIR | 0o700), undefined],
      [
        element('/etc/h/a.mjs', FILE | 0o644, 1000, 1000),
        undefined,
        /^\/etc\/h\/a\.mjs \(mode 0644, owner uid 1000, group gid 1000\) is owned by a user who is neither root nor the daemon's user \(uid 998\)$/,
      ],
      [
        element('/etc/h/a.mjs', FILE | 0o664, 0, 998),
        undefined,
        /^\/etc\/h\/a\.mjs \(mode 0664, .*\) can be written by members of group gid 998/,
      ],
      [
        element('/etc/h', DIR | 0o777),
        element('/etc/h/a.mjs', FILE | 0o644),
        /^\/etc\/h \(mode 0777, .*\) can be written by every user/,
      ],
      // A sticky directory protects only entries that trusted users own.
      [
        element('/tmp', DIR | 0o1777),
        element('/tmp/h', DIR | 0o700, 1000),
        /^\/tmp \(mode 1777.*every user/,
      ],
      // The sticky bit means nothing on a file.
      [element('/etc/h/a.mjs', FILE | 0o1666), undefined, /every user/],
    ];
    for (const [entry, child, expected] of table) {
      const problem = untrustedElementProblem(entry, child, DAEMON);
      if (expected === undefined) assert.equal(problem, undefined, entry.path);
      else assert.match(problem ?? '', expected, entry.path);
    }
  });

  it('writes modes as ls users read them', () => {
    assert.equal(octalMode(FILE | 0o644), '0644');
    assert.equal(octalMode(DIR | 0o1777), '1777');
  });
});
