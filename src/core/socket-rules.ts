/**
 * The mode and group of the daemon's sockets (`daemon.control_socket_mode`, `..._group`, and the
 * same for `daemon.status_socket`). Modes are written as octal strings, as systemd's SocketMode=
 * is ("0660"). Connecting to a Unix socket needs write permission on it and nothing else, so a
 * class given read without write is a mistake worth stopping at; and a control socket everyone
 * may write to would hand the daemon's powers to every local user.
 */

const MODE_PATTERN = /^0?[0-7]{3}$/;
const READ = 0o4;
const WRITE = 0o2;

/** The permission bits of a valid mode string ("0660" → 0o660). */
export function parseSocketMode(text: string): number {
  return parseInt(text, 8);
}

/** Why `text` is not a usable socket mode; `control` adds the rule against world access. */
export function socketModeProblem(text: string, control: boolean): string | undefined {
  if (!MODE_PATTERN.test(text)) {
    return `is not a socket mode; write the permission bits in octal, e.g. "0660"`;
  }
  const mode = parseSocketMode(text);
  const classes = [
    ['the owner', mode >> 6],
    ['the group', mode >> 3],
    ['others', mode],
  ] as const;
  for (const [who, bits] of classes) {
    if ((bits & READ) !== 0 && (bits & WRITE) === 0) {
      return `gives ${who} read but not write permission; connecting to a socket needs write permission (e.g. "0660")`;
    }
  }
  if (control && (mode & WRITE) !== 0) {
    return 'lets every local user connect, and whoever can use the control socket acts with the daemon\'s powers; use a group (e.g. "0660" with control_socket_group)';
  }
  return undefined;
}

/** Group names as Debian's adduser accepts them; "" means the daemon's own group. */
const GROUP_PATTERN = /^[A-Za-z_][A-Za-z0-9_.-]{0,31}$/;

export function groupNameProblem(name: string): string | undefined {
  if (name === '' || GROUP_PATTERN.test(name)) return undefined;
  return 'is not a group name (a letter or _, then letters, digits, _ . -; at most 32)';
}
