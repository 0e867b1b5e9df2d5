/**
 * The ownership check for paths the daemon trusts (core/path-trust.ts has the rule): a handler
 * module named through the socket now, configured handlers once they run (issue 16), and the
 * ad-hoc source roots and handler directories that bound what socket users may do.
 *
 * The path is resolved here one component at a time, as the kernel does, and every directory a
 * name is looked up in is checked: whoever may write there could swap the name for a symlink
 * and move the path elsewhere. That covers the directories above the path as written, those
 * above each symlink's target, and the ones above the real path.
 */
import { lstat, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { untrustedElementProblem, type PathElement } from '../core/path-trust.js';

export interface TrustOptions {
  /** Check only where `path` resolves to, not the file or directory it names. @defaultValue false */
  readonly aboveOnly?: boolean;
}

export type TrustedResolution =
  /** `real` is the path resolved; `untrusted` says who else could change it, when someone can. */
  | { readonly real: string; readonly untrusted?: string }
  /** The path cannot be resolved (ENOENT, ENOTDIR, a loop, ...). */
  | { readonly error: NodeJS.ErrnoException };

/** Symlinks followed at most in one resolution, as Linux's MAXSYMLINKS. */
const MAX_SYMLINKS = 40;

/**
 * Resolves `path` (absolute) like realpath(3) and tells why someone other than root and
 * `daemonUid` could change what it names (the message gives the path, mode, owner and group), or
 * nothing when nobody else can.
 */
export async function resolveTrusted(
  path: string,
  daemonUid: number,
  options: TrustOptions = {},
): Promise<TrustedResolution> {
  const seen = new Map<string, PathElement>();
  const look = async (at: string): Promise<PathElement> => {
    let element = seen.get(at);
    if (element === undefined) {
      const stats = await lstat(at);
      element = {
        path: at,
        mode: stats.mode,
        uid: stats.uid,
        gid: stats.gid,
        isDirectory: stats.isDirectory(),
      };
      seen.set(at, element);
    }
    return element;
  };
  const pending = path.split('/');
  let resolved = '/';
  let untrusted: string | undefined;
  let links = 0;
  try {
    while (pending.length > 0) {
      const name = pending.shift()!;
      if (name === '' || name === '.') continue;
      if (name === '..') {
        resolved = join(resolved, '..');
        continue;
      }
      const next = join(resolved, name);
      const child = await look(next);
      untrusted ??= untrustedElementProblem(await look(resolved), child, daemonUid);
      if ((child.mode & 0o170000) === 0o120000) {
        if (++links > MAX_SYMLINKS)
          throw Object.assign(new Error('too many symbolic links'), { code: 'ELOOP' });
        const target = await readlink(next);
        if (target.startsWith('/')) resolved = '/';
        pending.unshift(...target.split('/'));
        continue;
      }
      resolved = next;
    }
    if (options.aboveOnly !== true) {
      untrusted ??= untrustedElementProblem(await look(resolved), undefined, daemonUid);
    }
  } catch (error) {
    return { error: error as NodeJS.ErrnoException };
  }
  return untrusted === undefined ? { real: resolved } : { real: resolved, untrusted };
}
