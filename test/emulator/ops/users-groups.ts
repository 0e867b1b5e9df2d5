/** `/users-groups` (spec §5.5): what the upstream suite's setup and the daemon need. */
import { PERMISSION_LEVELS, USER_TYPES, type UserType } from '../acl.js';
import { IRODS } from '../codes.js';
import { nowSeconds, type User } from '../model.js';
import type { OpContext, RouteOps } from '../state.js';
import { required } from './common.js';
import { METADATA_ENTITIES, modifyMetadata } from './metadata.js';

const CREATABLE_TYPES: ReadonlySet<string> = new Set([
  USER_TYPES.rodsuser,
  USER_TYPES.groupadmin,
  USER_TYPES.rodsadmin,
]);

/** Admin ops: a rodsuser gets SYS_NO_API_PRIV; returns false after answering. */
function requireAdmin(ctx: OpContext): boolean {
  if (ctx.who.admin) return true;
  ctx.reply.irods(200, IRODS.SYS_NO_API_PRIV, 'SYS_NO_API_PRIV');
  return false;
}

function stat(ctx: OpContext): void {
  const name = required(ctx, 'name');
  if (name === undefined) return;
  const zone = ctx.params.str('zone') ?? ctx.state.catalog.zone;
  const user = zone === ctx.state.catalog.zone ? ctx.state.catalog.users.get(name) : undefined;
  if (!user) return ctx.reply.json(200, { exists: false, irods_response: { status_code: 0 } });
  ctx.reply.json(200, {
    exists: true,
    id: String(user.id),
    irods_response: { status_code: 0 },
    local_unique_name: `${user.name}#${ctx.state.catalog.zone}`,
    type: user.type,
  });
}

function newEntity(ctx: OpContext, name: string, type: UserType): User {
  return {
    id: ctx.state.catalog.newId(),
    name,
    type,
    password: '',
    createTime: nowSeconds(),
    members: new Set(),
    avus: [],
  };
}

function createUser(ctx: OpContext): void {
  const name = required(ctx, 'name');
  if (name === undefined) return;
  if (required(ctx, 'zone') === undefined) return;
  const type = ctx.params.str('user-type') ?? USER_TYPES.rodsuser;
  if (!CREATABLE_TYPES.has(type)) return ctx.reply.fail(400);
  if (!requireAdmin(ctx)) return;
  const { catalog } = ctx.state;
  if (catalog.users.has(name))
    return ctx.reply.irods(
      200,
      IRODS.CATALOG_ALREADY_HAS_ITEM_BY_THAT_NAME,
      'CATALOG_ALREADY_HAS_ITEM_BY_THAT_NAME',
    );
  const user = newEntity(ctx, name, type as UserType);
  catalog.users.set(name, user);
  catalog.saveUser(user);
  // Home and trash home: the user alone owns them, inheritance off.
  for (const parentPath of [`/${catalog.zone}/home`, `/${catalog.zone}/trash/home`]) {
    const parent = catalog.findCollection(parentPath)!;
    const home = parent.collections.get(name) ?? catalog.createCollection(parent, name, name);
    home.acl.clear();
    home.acl.set(name, PERMISSION_LEVELS.own);
    home.inheritance = false;
    catalog.saveCollection(home);
  }
  ctx.reply.irods(200, 0);
}

function setPassword(ctx: OpContext): void {
  const name = required(ctx, 'name');
  if (name === undefined) return;
  if (required(ctx, 'zone') === undefined) return;
  const password = required(ctx, 'new-password');
  if (password === undefined) return;
  if (!requireAdmin(ctx)) return;
  const user = ctx.state.catalog.users.get(name);
  if (!user || user.type === USER_TYPES.rodsgroup)
    return ctx.reply.irods(200, IRODS.CAT_INVALID_USER, 'CAT_INVALID_USER');
  user.password = password;
  ctx.state.catalog.saveUser(user);
  ctx.reply.irods(200, 0);
}

function removeUser(ctx: OpContext): void {
  const name = required(ctx, 'name');
  if (name === undefined) return;
  if (required(ctx, 'zone') === undefined) return;
  if (!ctx.who.admin)
    return ctx.reply.irods(
      200,
      IRODS.CAT_INSUFFICIENT_PRIVILEGE_LEVEL,
      'CAT_INSUFFICIENT_PRIVILEGE_LEVEL',
    );
  const { catalog } = ctx.state;
  const user = catalog.users.get(name);
  if (!user || user.type === USER_TYPES.rodsgroup)
    return ctx.reply.irods(200, IRODS.CAT_INVALID_USER, 'CAT_INVALID_USER');
  // iRODS refuses while the home collection still has content; the empty homes go with the user.
  for (const parentPath of [
    `/${catalog.zone}/home/${name}`,
    `/${catalog.zone}/trash/home/${name}`,
  ]) {
    const home = catalog.findCollection(parentPath);
    if (home && (home.collections.size > 0 || home.objects.size > 0)) {
      return ctx.reply.irods(200, IRODS.CAT_COLLECTION_NOT_EMPTY, 'CAT_COLLECTION_NOT_EMPTY');
    }
  }
  for (const parentPath of [
    `/${catalog.zone}/home/${name}`,
    `/${catalog.zone}/trash/home/${name}`,
  ]) {
    const home = catalog.findCollection(parentPath);
    if (home) catalog.deleteCollectionTree(home, true);
  }
  for (const group of catalog.users.values()) {
    if (group.members.delete(name)) catalog.saveUser(group);
  }
  catalog.deleteUser(user);
  ctx.reply.irods(200, 0);
}

function createGroup(ctx: OpContext): void {
  const name = required(ctx, 'name');
  if (name === undefined || !requireAdmin(ctx)) return;
  const { catalog } = ctx.state;
  if (catalog.users.has(name))
    return ctx.reply.irods(
      200,
      IRODS.CATALOG_ALREADY_HAS_ITEM_BY_THAT_NAME,
      'CATALOG_ALREADY_HAS_ITEM_BY_THAT_NAME',
    );
  const group = newEntity(ctx, name, USER_TYPES.rodsgroup);
  catalog.users.set(name, group);
  catalog.saveUser(group);
  ctx.reply.irods(200, 0);
}

function removeGroup(ctx: OpContext): void {
  const name = required(ctx, 'name');
  if (name === undefined || !requireAdmin(ctx)) return;
  const group = ctx.state.catalog.users.get(name);
  if (!group || group.type !== USER_TYPES.rodsgroup)
    return ctx.reply.irods(200, IRODS.CAT_INVALID_USER, 'CAT_INVALID_USER');
  ctx.state.catalog.deleteUser(group);
  ctx.reply.irods(200, 0);
}

function changeMembership(ctx: OpContext, add: boolean): void {
  const user = required(ctx, 'user');
  if (user === undefined) return;
  const groupName = required(ctx, 'group');
  if (groupName === undefined || !requireAdmin(ctx)) return;
  const { catalog } = ctx.state;
  const group = catalog.users.get(groupName);
  const member = catalog.users.get(user);
  if (
    !group ||
    group.type !== USER_TYPES.rodsgroup ||
    !member ||
    member.type === USER_TYPES.rodsgroup
  ) {
    return ctx.reply.irods(200, IRODS.CAT_INVALID_USER, 'CAT_INVALID_USER');
  }
  if (add) group.members.add(user);
  else group.members.delete(user);
  catalog.saveUser(group);
  ctx.reply.irods(200, 0);
}

function isMemberOfGroup(ctx: OpContext): void {
  const groupName = required(ctx, 'group');
  if (groupName === undefined) return;
  const user = required(ctx, 'user');
  if (user === undefined) return;
  const member = ctx.state.catalog.principal(user)?.groups.has(groupName) ?? false;
  ctx.reply.json(200, { irods_response: { status_code: 0 }, is_member: member });
}

/** Anyone may list them: the HTTP API asks GenQuery, which shows users to every user [test]. */
function listNames(ctx: OpContext, groups: boolean): void {
  const { catalog } = ctx.state;
  const entries = [...catalog.users.values()].filter(
    (u) => (u.type === USER_TYPES.rodsgroup) === groups,
  );
  if (groups)
    return ctx.reply.json(200, {
      groups: entries.map((g) => g.name),
      irods_response: { status_code: 0 },
    });
  ctx.reply.json(200, {
    irods_response: { status_code: 0 },
    users: entries.map((u) => ({ name: u.name, zone: catalog.zone })),
  });
}

/**
 * `set_user_type` (rodsadmin): `new-user-type` must be rodsuser, groupadmin or rodsadmin; any other
 * value makes the HTTP API's conversion throw outside the iRODS error path, hence 500 [src].
 */
function setUserType(ctx: OpContext): void {
  const name = required(ctx, 'name');
  if (name === undefined) return;
  if (required(ctx, 'zone') === undefined) return;
  const type = required(ctx, 'new-user-type');
  if (type === undefined) return;
  if (!CREATABLE_TYPES.has(type)) return ctx.reply.fail(500);
  if (!requireAdmin(ctx)) return;
  const user = ctx.state.catalog.users.get(name);
  if (!user || user.type === USER_TYPES.rodsgroup)
    return ctx.reply.irods(200, IRODS.CAT_INVALID_USER, 'CAT_INVALID_USER');
  user.type = type as UserType;
  ctx.state.catalog.saveUser(user);
  ctx.reply.irods(200, 0);
}

export const usersGroupsOps: RouteOps = {
  GET: {
    stat,
    users: (ctx) => listNames(ctx, false),
    groups: (ctx) => listNames(ctx, true),
    members: (ctx) => ctx.reply.fail(501),
    is_member_of_group: isMemberOfGroup,
  },
  POST: {
    create_user: createUser,
    remove_user: removeUser,
    set_password: setPassword,
    create_group: createGroup,
    remove_group: removeGroup,
    add_to_group: (ctx) => changeMembership(ctx, true),
    remove_from_group: (ctx) => changeMembership(ctx, false),
    set_user_type: setUserType,
    modify_metadata: (ctx) => modifyMetadata(ctx, METADATA_ENTITIES.user),
  },
};
