/**
 * Whether a file the daemon is about to trust (a handler module it will run, a directory that
 * bounds what socket users may read) can be changed by someone other than root and the daemon's
 * own user. The rule is sshd's StrictModes and sudo's check of sudoers: the file and every
 * directory above it must be owned by a trusted user and writable by nobody else. A directory
 * with the sticky bit (/tmp) is the one exception: others may add entries to it, but only the
 * entry's owner may rename or remove it, so a trusted entry inside stays where it is.
 */

/** What one path element's lstat says, as far as the rule needs it. */
export interface PathElement {
  readonly path: string;
  /** The whole st_mode (type bits included). */
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
  readonly isDirectory: boolean;
}

const GROUP_WRITE = 0o020;
const OTHER_WRITE = 0o002;
const STICKY = 0o1000;
const ROOT = 0;

/**
 * Why `element` lets an untrusted user replace or change what lies at or below it, or undefined.
 * `child` is the next element down the path (undefined for the file itself): a sticky directory
 * is safe for it when the child is owned by a trusted user.
 */
export function untrustedElementProblem(
  element: PathElement,
  child: PathElement | undefined,
  daemonUid: number,
): string | undefined {
  const trusted = (uid: number) => uid === ROOT || uid === daemonUid;
  const where = `${element.path} (mode ${octalMode(element.mode)}, owner uid ${element.uid}, group gid ${element.gid})`;
  if (!trusted(element.uid)) {
    return `${where} is owned by a user who is neither root nor the daemon's user (uid ${daemonUid})`;
  }
  const groupWrites = (element.mode & GROUP_WRITE) !== 0 && element.gid !== ROOT;
  const othersWrite = (element.mode & OTHER_WRITE) !== 0;
  if (!groupWrites && !othersWrite) return undefined;
  const stickyHoldsTrustedChild =
    element.isDirectory &&
    (element.mode & STICKY) !== 0 &&
    child !== undefined &&
    trusted(child.uid);
  if (stickyHoldsTrustedChild) return undefined;
  const who = othersWrite ? 'every user' : `members of group gid ${element.gid}`;
  return `${where} can be written by ${who}, not only by root and the daemon's user`;
}

/** "0755", "1777": the permission bits of a mode as `ls -l` users read them. */
export function octalMode(mode: number): string {
  return (mode & 0o7777).toString(8).padStart(4, '0');
}
