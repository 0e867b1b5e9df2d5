/** Small helpers shared by the op handlers. */
import { permissionName } from '../acl.js';
import type { Catalog } from '../catalog.js';
import { IRODS } from '../codes.js';
import type { JsonValue } from '../json.js';
import type { OpContext } from '../state.js';

/** The required string parameter, or undefined after answering 400 (§5: "R" params). */
export function required(ctx: OpContext, key: string): string | undefined {
  const value = ctx.params.str(key);
  if (value === undefined) ctx.reply.fail(400);
  return value;
}

/**
 * `admin=1` lets a rodsadmin bypass ACLs. Returns whether it applies, or undefined after
 * answering CAT_INSUFFICIENT_PRIVILEGE_LEVEL when a non-admin asks for it.
 */
export function adminMode(ctx: OpContext, status = 200): boolean | undefined {
  if (!ctx.params.flag('admin')) return false;
  if (ctx.who.admin) return true;
  ctx.reply.irods(
    status,
    IRODS.CAT_INSUFFICIENT_PRIVILEGE_LEVEL,
    'Insufficient privilege level: CAT_INSUFFICIENT_PRIVILEGE_LEVEL',
  );
  return undefined;
}

/** The `permissions` array of stat responses: one entry per ACL row, groups not expanded. */
export function permissionsJson(catalog: Catalog, acl: ReadonlyMap<string, number>): JsonValue {
  if (acl.size === 0) return null;
  return [...acl].map(([name, level]) => ({
    name,
    perm: permissionName(level),
    type: catalog.users.get(name)?.type ?? 'rodsuser',
    zone: catalog.zone,
  }));
}

/** Failed opens report INVALID_HANDLE unless the build exposes the real code (§5.2.6). */
export function openFailureCode(ctx: OpContext, realCode: number): number {
  return ctx.state.config.emulator.dstream_exposes_irods_error_codes
    ? realCode
    : IRODS.INVALID_HANDLE;
}

export const BAD_STREAM_MESSAGE = 'Output stream to data object is in a bad state.';
