/** Access levels and their catalog ids (spec §7.3), and the pure permission decisions. */
export const PERMISSION_LEVELS = {
  null: 1000,
  read_metadata: 1040,
  read_object: 1050,
  create_metadata: 1070,
  modify_metadata: 1080,
  delete_metadata: 1090,
  create_object: 1110,
  modify_object: 1120,
  delete_object: 1130,
  own: 1200,
} as const;

export type PermissionName = keyof typeof PERMISSION_LEVELS;

const ALIASES: Readonly<Record<string, PermissionName>> = {
  read: 'read_object',
  write: 'modify_object',
};

/** The level a `permission`/`acl` parameter names, or undefined when it names none. */
export function parsePermission(text: string): number | undefined {
  const name = ALIASES[text] ?? text;
  return Object.hasOwn(PERMISSION_LEVELS, name)
    ? PERMISSION_LEVELS[name as PermissionName]
    : undefined;
}

/** The catalog name of a level (levels only ever come from the table above). */
export function permissionName(level: number): PermissionName {
  const entry = Object.entries(PERMISSION_LEVELS).find(([, value]) => value === level);
  return (entry?.[0] ?? 'null') as PermissionName;
}

export const USER_TYPES = {
  rodsuser: 'rodsuser',
  rodsadmin: 'rodsadmin',
  groupadmin: 'groupadmin',
  rodsgroup: 'rodsgroup',
} as const;

export type UserType = (typeof USER_TYPES)[keyof typeof USER_TYPES];

/** Who is calling: the user's name, whether a rodsadmin, and every group the user is in. */
export interface Principal {
  readonly name: string;
  readonly admin: boolean;
  readonly groups: ReadonlySet<string>;
}

/** The effective level: the highest of the user's own entry and those of the user's groups. */
export function effectiveLevel(acl: ReadonlyMap<string, number>, who: Principal): number {
  let level = acl.get(who.name) ?? 0;
  for (const group of who.groups) level = Math.max(level, acl.get(group) ?? 0);
  return level;
}

/** Strict ACL visibility: rodsadmins see everything, others need read_object or more. */
export function isVisible(acl: ReadonlyMap<string, number>, who: Principal): boolean {
  return who.admin || effectiveLevel(acl, who) >= PERMISSION_LEVELS.read_object;
}

/** Whether the user holds at least `needed`; `asAdmin` (a verified admin=1) bypasses ACLs. */
export function hasLevel(
  acl: ReadonlyMap<string, number>,
  who: Principal,
  needed: PermissionName,
  asAdmin = false,
): boolean {
  return asAdmin || effectiveLevel(acl, who) >= PERMISSION_LEVELS[needed];
}
