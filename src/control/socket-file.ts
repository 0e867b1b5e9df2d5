/**
 * Puts a listening server on a socket path with its configured mode and group (0660 and the
 * daemon's group by default), without a moment where another mode or group is visible there and
 * without touching the process umask (it is global and other code creates files concurrently).
 *
 * How: bind inside a fresh private directory (mkdtemp: 0700, so nobody but us can reach the
 * socket whatever mode the umask gave it), chmod and chown it, then rename(2) it onto the final
 * path.
 * rename is atomic and replaces a stale socket in the same step, so a client either sees the old
 * file, nothing, or our socket with its final mode.
 *
 * What is at the path decides: nothing → bind; a socket nobody answers on (a daemon that was
 * killed) → replaced; a socket that answers → refused (two daemons on one socket would split the
 * operators' commands); anything else → refused, never deleted (it is an operator's file).
 */
import { chown, lstat, mkdir, mkdtemp, rename, rm, chmod, unlink, rmdir } from 'node:fs/promises';
import { createConnection, type Server } from 'node:net';
import { dirname, join } from 'node:path';
import { octalMode } from '../core/path-trust.js';
import { IngestError, messageOf, type ErrorCode } from '../errors.js';

/** The CONTROL_SOCKET_ codes of src/errors.ts. */
export type SocketErrorCode = Extract<ErrorCode, `CONTROL_SOCKET_${string}`>;

export class ControlSocketError extends IngestError {
  readonly path: string;

  constructor(code: SocketErrorCode, path: string, message: string, options?: { cause?: unknown }) {
    super(code, `control socket ${path}: ${message}`, options);
    this.path = path;
  }
}

export const SOCKET_MODE = 0o660;
/**
 * Mode for a runtime directory we have to create ourselves (design.md: 0750); a socket meant for
 * users outside the daemon's group (another group, or everyone) needs them to pass through it.
 */
const DIRECTORY_MODE = 0o750;
const PASSABLE_DIRECTORY_MODE = 0o751;
/** How long a socket at the path may take to accept before it counts as live but busy. */
const PROBE_TIMEOUT_MS = 2_000;

export interface BoundSocket {
  /** A stale socket was found at the path and replaced. */
  readonly replacedStale: boolean;
  /** Removes the socket file if it is still ours (not replaced by a later daemon since). */
  release(): Promise<void>;
}

export interface SocketAccess {
  /** Permission bits. @defaultValue SOCKET_MODE */
  readonly mode?: number;
  /** The group the socket gets; absent keeps the daemon's (primary) group. */
  readonly group?: { readonly gid: number; readonly name: string };
}

/** Makes `server` listen on `path` as described above. The server must not be listening yet. */
export async function bindSocketFile(
  server: Server,
  path: string,
  access: SocketAccess = {},
): Promise<BoundSocket> {
  const directory = dirname(path);
  const forOthers = access.group !== undefined || ((access.mode ?? SOCKET_MODE) & 0o002) !== 0;
  const directoryMode = forOthers ? PASSABLE_DIRECTORY_MODE : DIRECTORY_MODE;
  await mkdir(directory, { recursive: true, mode: directoryMode }).catch((error: unknown) => {
    throw unusable(path, `cannot create its directory ${directory}`, error);
  });
  const existing = await inspectPath(path);
  const privateDir = await mkdtemp(join(directory, '.ctl-')).catch((error: unknown) => {
    throw unusable(path, `cannot create a private directory in ${directory}`, error);
  });
  const staging = join(privateDir, 's');
  try {
    await listen(server, staging);
    try {
      await chmod(staging, access.mode ?? SOCKET_MODE);
      if (access.group !== undefined) await giveGroup(staging, access.group);
      await rename(staging, path);
    } catch (error) {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      throw error;
    }
  } catch (error) {
    throw unusable(path, 'cannot bind', error);
  } finally {
    await rmdir(privateDir).catch(() => rm(privateDir, { recursive: true, force: true }));
  }
  const ours = await lstat(path);
  return {
    replacedStale: existing === 'stale',
    async release() {
      const now = await lstat(path).catch(() => undefined);
      if (now === undefined || now.ino !== ours.ino || now.dev !== ours.dev) return;
      await unlink(path).catch(() => undefined);
    },
  };
}

/** What is at `path` now: nothing, or a stale socket. Throws for everything we must not replace. */
async function inspectPath(path: string): Promise<'absent' | 'stale'> {
  let stat;
  try {
    stat = await lstat(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'absent';
    throw unusable(path, 'cannot inspect it', error);
  }
  if (!stat.isSocket()) {
    throw new ControlSocketError(
      'CONTROL_SOCKET_NOT_A_SOCKET',
      path,
      'the path exists and is not a socket; not replacing it (move it away or set daemon.control_socket)',
    );
  }
  const answer = await probe(path);
  if (answer === 'refused') return 'stale';
  if (answer === 'live') {
    throw new ControlSocketError(
      'CONTROL_SOCKET_IN_USE',
      path,
      'another process is listening on it (is another irods-ingestd running with this config?)',
    );
  }
  throw unusable(path, 'cannot tell whether it is in use', answer);
}

/** Connects once: `live` if someone accepts, `refused` if nobody listens, else the error. */
function probe(path: string): Promise<'live' | 'refused' | Error> {
  return new Promise((resolve) => {
    const socket = createConnection({ path });
    const finish = (result: 'live' | 'refused' | Error) => {
      socket.destroy();
      resolve(result);
    };
    socket.setTimeout(PROBE_TIMEOUT_MS, () => finish('live'));
    socket.once('connect', () => finish('live'));
    socket.once('error', (error: NodeJS.ErrnoException) => {
      finish(error.code === 'ECONNREFUSED' || error.code === 'ENOENT' ? 'refused' : error);
    });
  });
}

async function giveGroup(path: string, group: { gid: number; name: string }): Promise<void> {
  try {
    await chown(path, -1, group.gid);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') throw error;
    throw new Error(
      `cannot give it group ${group.name} (gid ${group.gid}): the daemon's user is not a member of that group (under systemd add SupplementaryGroups=${group.name} with systemctl edit)`,
      { cause: error },
    );
  }
}

/**
 * Why the users the socket's mode lets in (its group, or everyone) cannot reach it because a
 * directory above it does not let them search it, or undefined when they can. The daemon's own
 * user and root are not the point: the mode is there for the others.
 */
export async function unreachableBy(path: string, mode: number): Promise<string | undefined> {
  const socket = await lstat(path);
  const everyone = (mode & 0o002) !== 0;
  if (!everyone && (mode & 0o020) === 0) return undefined;
  for (let dir = dirname(path); ; dir = dirname(dir)) {
    const stats = await lstat(dir);
    const searchable =
      (stats.mode & 0o001) !== 0 ||
      (!everyone && stats.gid === socket.gid && (stats.mode & 0o010) !== 0);
    if (!searchable) {
      const who = everyone ? 'other users' : `members of its group (gid ${socket.gid})`;
      return `${who} cannot reach it: ${dir} (mode ${octalMode(stats.mode)}, group gid ${stats.gid}) does not let them pass; give it o+x (for the runtime directory under systemd: RuntimeDirectoryMode=0751)`;
    }
    if (dir === '/') return undefined;
  }
}

function listen(server: Server, path: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error) => reject(error);
    server.once('error', onError);
    server.listen({ path }, () => {
      server.off('error', onError);
      resolve();
    });
  });
}

function unusable(path: string, what: string, cause: unknown): ControlSocketError {
  return new ControlSocketError('CONTROL_SOCKET_UNUSABLE', path, `${what}: ${messageOf(cause)}`, {
    cause,
  });
}
