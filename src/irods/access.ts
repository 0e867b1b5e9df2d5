/**
 * What the daemon's own iRODS user may do, for the checks a job makes before its first pass
 * (src/core/preflight.ts decides): whether a resource exists (§5.4), the user's type and group
 * memberships (§5.5). Read-only lookups; "unknown" comes back as `exists: false`, never thrown.
 */
import type { Session } from './session.js';
import { ENDPOINT, REPEAT } from './transport.js';

export interface UserFacts {
  readonly exists: boolean;
  /** `rodsuser`, `rodsadmin`, `groupadmin` or `rodsgroup`; "" when the user does not exist. */
  readonly type: string;
}

export class Access {
  readonly #session: Session;

  constructor(session: Session) {
    this.#session = session;
  }

  /** The user name the client logs in as. */
  get username(): string {
    return this.#session.options.username;
  }

  /** Whether a resource of that name exists in the zone. */
  async resourceExists(name: string): Promise<boolean> {
    const body = await this.#session.transport.json({
      endpoint: ENDPOINT.resources,
      method: 'GET',
      op: 'stat',
      action: `stat of resource ${name}`,
      params: { name },
      repeat: REPEAT.always,
    });
    return body.exists === true;
  }

  /** The user's type (users-groups `stat`). */
  async user(name: string): Promise<UserFacts> {
    const body = await this.#session.transport.json({
      endpoint: ENDPOINT.usersGroups,
      method: 'GET',
      op: 'stat',
      action: `stat of user ${name}`,
      params: { name },
      repeat: REPEAT.always,
    });
    const exists = body.exists === true;
    return { exists, type: exists && typeof body.type === 'string' ? body.type : '' };
  }

  /** Whether `user` is a member of `group`. */
  async isMemberOfGroup(user: string, group: string): Promise<boolean> {
    const body = await this.#session.transport.json({
      endpoint: ENDPOINT.usersGroups,
      method: 'GET',
      op: 'is_member_of_group',
      action: `membership of ${user} in group ${group}`,
      params: { group, user },
      repeat: REPEAT.always,
    });
    return body.is_member === true;
  }
}
