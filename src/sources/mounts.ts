/**
 * Which filesystem a path lives on, from /proc/self/mountinfo: the mount whose mount point is
 * the longest prefix of the path's real location.
 */
import { readFile, realpath } from 'node:fs/promises';

/** The filesystem type of `path` (e.g. "ext4", "nfs4"), or undefined when it cannot be told. */
export async function filesystemTypeOf(path: string): Promise<string | undefined> {
  let real: string;
  let table: string;
  try {
    real = await realpath(path);
    table = await readFile('/proc/self/mountinfo', 'utf8');
  } catch {
    return undefined;
  }
  return mountOf(real, parseMountInfo(table))?.fsType;
}

export interface Mount {
  readonly mountPoint: string;
  readonly fsType: string;
}

/**
 * mountinfo(5): `id parent major:minor root mountpoint options [optional...] - fstype source
 * superoptions`; spaces and other bytes in paths are octal escapes (`\040`).
 */
export function parseMountInfo(table: string): Mount[] {
  const mounts: Mount[] = [];
  for (const line of table.split('\n')) {
    const fields = line.split(' ');
    const dash = fields.indexOf('-');
    if (dash < 5 || fields[dash + 1] === undefined) continue;
    mounts.push({ mountPoint: unescapeOctal(fields[4]!), fsType: fields[dash + 1]! });
  }
  return mounts;
}

export function mountOf(path: string, mounts: readonly Mount[]): Mount | undefined {
  let best: Mount | undefined;
  for (const mount of mounts) {
    const point = mount.mountPoint;
    const inside = point === '/' || path === point || path.startsWith(`${point}/`);
    // Later lines win ties: they are mounted over the earlier ones.
    if (inside && (best === undefined || point.length >= best.mountPoint.length)) best = mount;
  }
  return best;
}

function unescapeOctal(text: string): string {
  return text.replace(/\\([0-7]{3})/g, (_, octal: string) =>
    String.fromCharCode(parseInt(octal, 8)),
  );
}
