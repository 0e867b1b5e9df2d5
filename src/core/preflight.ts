/**
 * The checks a job makes before its first pass, so that a job that cannot work fails once with
 * what to fix instead of once per file: its resource exists, the daemon's iRODS user may create
 * in the target (or, while the target is not there yet, in the collection it will be created
 * in), and a registering job runs as a rodsadmin (registering files outside a vault and
 * `modify_replica` are admin-only in iRODS). Which checks apply, and the messages, are decided
 * here; src/worker/preflight.ts gathers the facts.
 */
import { OPERATIONS, registers, type Operation } from './job-rules.js';

/** iRODS access levels in ascending order (irods-http-api.md §7.3). */
const LEVELS = [
  'null',
  'read_metadata',
  'read_object',
  'create_metadata',
  'modify_metadata',
  'delete_metadata',
  'create_object',
  'modify_object',
  'delete_object',
  'own',
] as const;

/** Creating data objects and sub-collections in a collection takes this (§7.3). */
export const NEEDED_PERMISSION = 'create_object';

export interface PreflightChecks {
  readonly resource: boolean;
  readonly writable: boolean;
  readonly admin: boolean;
}

/** Which checks apply to a job's operation: `none` touches nothing in iRODS, so needs nothing. */
export function preflightChecks(operation: Operation): PreflightChecks {
  const acts = operation !== OPERATIONS.none;
  return { resource: acts, writable: acts, admin: registers(operation) };
}

/** One entry of a collection's ACL, as collections `stat` lists it (§5.1.2). */
export interface AclEntry {
  readonly name: string;
  readonly type: string;
  readonly perm: string;
}

/** Where the job's objects will be created, and who may do what there. */
export interface CollectionAccess {
  /** The target, or its nearest existing ancestor while the target is not there yet. */
  readonly path: string;
  readonly isTarget: boolean;
  /** undefined when the ACL could not be read (a path with `+` is stat'ed through GenQuery). */
  readonly acl: readonly AclEntry[] | undefined;
  /** The groups among the ACL's entries that the user is a member of. */
  readonly groups: ReadonlySet<string>;
}

export interface PreflightFacts {
  readonly operation: Operation;
  readonly target: string;
  readonly user: string;
  readonly resource?: { readonly name: string; readonly exists: boolean };
  readonly collection?: CollectionAccess;
  /** The user's type (`rodsuser`, `rodsadmin`, ...); "" when iRODS does not know the user. */
  readonly userType?: string;
}

/** The highest access the user has in the ACL, by its own entry or a group's. */
export function effectivePermission(
  acl: readonly AclEntry[],
  user: string,
  groups: ReadonlySet<string>,
): string {
  let best = 0;
  for (const entry of acl) {
    if (entry.name !== user && !groups.has(entry.name)) continue;
    best = Math.max(best, rank(entry.perm));
  }
  return LEVELS[best]!;
}

/** Whether `perm` lets its holder create in a collection. */
export function allowsCreate(perm: string): boolean {
  return rank(perm) >= rank(NEEDED_PERMISSION);
}

function rank(perm: string): number {
  const at = (LEVELS as readonly string[]).indexOf(perm);
  return at < 0 ? 0 : at;
}

/** Every problem found, each a sentence that says what to fix; [] when the job may start. */
export function preflightProblems(facts: PreflightFacts): string[] {
  const problems: string[] = [];
  const { resource, collection, userType, user, operation } = facts;
  if (resource !== undefined && !resource.exists) {
    problems.push(
      `the resource "${resource.name}" does not exist in the zone: set the job's resource (or irods.default_resource) to an existing one (iadmin lr lists them)`,
    );
  }
  if (collection?.acl !== undefined) {
    const has = effectivePermission(collection.acl, user, collection.groups);
    if (!allowsCreate(has)) {
      const where = collection.isTarget
        ? `the target collection ${collection.path}`
        : `${collection.path}, where the target ${facts.target} is to be created,`;
      problems.push(
        `the iRODS user "${user}" may not create in ${where} (it has ${has === 'null' ? 'no access' : has} there; it needs ${NEEDED_PERMISSION} or more): grant it, e.g. ichmod write ${user} ${collection.path}, or choose another target`,
      );
    }
  }
  if (userType !== undefined && userType !== 'rodsadmin') {
    problems.push(
      `operation ${operation} needs a rodsadmin iRODS user (registering files in place and modify_replica are admin-only), but "${user}" is ${userType === '' ? 'unknown to iRODS' : `a ${userType}`}: set [irods] username to a rodsadmin, or use a put operation`,
    );
  }
  return problems;
}
