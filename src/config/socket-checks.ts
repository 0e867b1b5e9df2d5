/**
 * The config's socket settings that need the host to check: the groups named by
 * `daemon.control_socket_group` and `daemon.status_socket_group` must exist, and the read-only
 * socket must not be the control socket. Groups are looked up with `getent group`, so that
 * groups from LDAP or sssd count as they do for the rest of the host. The daemon resolves the
 * same names again when it binds (socketSettings), so a group removed since is an error then.
 */
import { execFile } from 'node:child_process';
import { normalize } from 'node:path';
import { groupNameProblem, parseSocketMode } from '../core/socket-rules.js';
import { messageOf } from '../errors.js';
import type { Finding } from './issues.js';
import { isTable, type Table } from './merge.js';

/** The resolved settings of one socket, as the control server binds it. */
export interface SocketSettings {
  readonly path: string;
  readonly mode: number;
  /** The group to give the socket; absent keeps the daemon's group. */
  readonly group?: { readonly gid: number; readonly name: string };
}

export interface DaemonSockets {
  readonly control: SocketSettings;
  /** Absent when `daemon.status_socket` is "". */
  readonly status?: SocketSettings;
}

/** `getent` answers this for a name it does not know. */
const GETENT_NOT_FOUND = 2;
const GETENT_TIMEOUT_MS = 10_000;

/** The group id of `name`, or undefined when the host has no such group. */
export function lookupGroup(name: string): Promise<number | undefined> {
  return new Promise((resolve, reject) => {
    execFile(
      'getent',
      ['group', name],
      { timeout: GETENT_TIMEOUT_MS },
      (error: (Error & { code?: unknown }) | null, stdout) => {
        if (error !== null) {
          if (error.code === GETENT_NOT_FOUND) resolve(undefined);
          else reject(new Error(`cannot look up group ${JSON.stringify(name)}: ${error.message}`));
          return;
        }
        const gid = Number(stdout.split(':')[2]);
        if (Number.isInteger(gid)) resolve(gid);
        else reject(new Error(`getent group ${name} answered ${JSON.stringify(stdout.trim())}`));
      },
    );
  });
}

/** Problems of the socket keys in the merged (not yet validated) data. */
export async function socketFindings(data: Table): Promise<Finding[]> {
  const daemon = isTable(data.daemon) ? data.daemon : {};
  const findings: Finding[] = [];
  for (const key of ['control_socket_group', 'status_socket_group'] as const) {
    const name = daemon[key];
    // Anything else is the schema's to report.
    if (typeof name !== 'string' || name === '' || groupNameProblem(name) !== undefined) continue;
    let message: string | undefined;
    try {
      if ((await lookupGroup(name)) === undefined) {
        message = `no group named ${JSON.stringify(name)} on this host (getent group ${name} found nothing)`;
      }
    } catch (error) {
      message = messageOf(error);
    }
    if (message !== undefined) findings.push({ path: ['daemon', key], message });
  }
  const status = daemon.status_socket;
  const control = daemon.control_socket;
  if (
    typeof status === 'string' &&
    status !== '' &&
    typeof control === 'string' &&
    normalize(status) === normalize(control)
  ) {
    findings.push({
      path: ['daemon', 'status_socket'],
      message: 'is the control socket; the read-only socket needs a path of its own',
    });
  }
  return findings;
}

interface SocketKeys {
  readonly control_socket: string;
  readonly control_socket_mode: string;
  readonly control_socket_group: string;
  readonly status_socket: string;
  readonly status_socket_mode: string;
  readonly status_socket_group: string;
}

/** The sockets the daemon binds, with their groups resolved now. */
export async function socketSettings(daemon: SocketKeys): Promise<DaemonSockets> {
  const control = await settings(
    daemon.control_socket,
    daemon.control_socket_mode,
    daemon.control_socket_group,
  );
  if (daemon.status_socket === '') return { control };
  const status = await settings(
    daemon.status_socket,
    daemon.status_socket_mode,
    daemon.status_socket_group,
  );
  return { control, status };
}

async function settings(path: string, mode: string, name: string): Promise<SocketSettings> {
  if (name === '') return { path, mode: parseSocketMode(mode) };
  const gid = await lookupGroup(name);
  if (gid === undefined) {
    throw new Error(`socket ${path}: no group named ${JSON.stringify(name)} on this host`);
  }
  return { path, mode: parseSocketMode(mode), group: { gid, name } };
}
