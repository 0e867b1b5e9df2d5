/**
 * Defaults that come from systemd rather than from the files: under a unit with
 * RuntimeDirectory= and StateDirectory=, systemd names those directories in $RUNTIME_DIRECTORY
 * and $STATE_DIRECTORY, and an unset `daemon.control_socket` or `daemon.state_dir` goes there.
 * One config then serves irods-ingestd.service and every irods-ingestd@NAME instance, each in its
 * own directories. What the files set always wins.
 */
import { isTable, type Table } from './merge.js';

export function applyServiceDefaults(
  data: Table,
  env: Readonly<Record<string, string | undefined>>,
): void {
  const runtime = firstPath(env.RUNTIME_DIRECTORY);
  const state = firstPath(env.STATE_DIRECTORY);
  if (runtime === undefined && state === undefined) return;
  const daemon: Table = isTable(data.daemon) ? data.daemon : {};
  if (daemon.control_socket === undefined && runtime !== undefined) {
    daemon.control_socket = `${runtime}/ctl.sock`;
  }
  if (daemon.state_dir === undefined && state !== undefined) daemon.state_dir = state;
  if (data.daemon === undefined) data.daemon = daemon;
}

/** systemd lists several directories separated by colons; ours is the first. */
function firstPath(value: string | undefined): string | undefined {
  const first = value?.split(':')[0];
  return first !== undefined && first.startsWith('/') ? first : undefined;
}
