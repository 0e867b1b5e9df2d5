/**
 * The ownership check for files the daemon trusts (core/path-trust.ts has the rule): a handler
 * module named through the socket now, configured handlers once they run (issue 16), and the
 * directories above an ad-hoc source root. Give it a path without symlinks (a realpath): a
 * symlink met on the way means the path changed under us, and is refused.
 */
import { lstat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { untrustedElementProblem, type PathElement } from '../core/path-trust.js';

export interface TrustOptions {
  /** Check only the directories above `path`, not `path` itself. @defaultValue false */
  readonly aboveOnly?: boolean;
}

/**
 * Why someone other than root and `daemonUid` could change `path` or a directory above it (the
 * message names the path, its mode, owner and group), or undefined when nobody else can.
 */
export async function untrustedPathReason(
  path: string,
  daemonUid: number,
  options: TrustOptions = {},
): Promise<string | undefined> {
  let child: PathElement | undefined;
  let first = true;
  for (let current = path; ; current = dirname(current)) {
    let element: PathElement;
    try {
      const stats = await lstat(current);
      if (stats.isSymbolicLink()) return `${current} is a symbolic link (it changed while checked)`;
      element = {
        path: current,
        mode: stats.mode,
        uid: stats.uid,
        gid: stats.gid,
        isDirectory: stats.isDirectory(),
      };
    } catch (error) {
      return `cannot check ${current}: ${(error as Error).message}`;
    }
    if (!(first && options.aboveOnly === true)) {
      const problem = untrustedElementProblem(element, child, daemonUid);
      if (problem !== undefined) return problem;
    }
    first = false;
    child = element;
    if (current === '/') return undefined;
  }
}
