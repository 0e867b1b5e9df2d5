/**
 * Gathers what the job's preflight checks (src/core/preflight.ts) need from iRODS: a few reads,
 * before every pass. A lookup that fails (iRODS away) throws, and the pass is tried again
 * like any failed pass; only a check that fails refuses it.
 */
import type { JobConfig } from '../config/index.js';
import { parentPath } from '../core/logical-path.js';
import {
  allowsCreate,
  preflightChecks,
  preflightProblems,
  type CollectionAccess,
  type PreflightFacts,
} from '../core/preflight.js';
import type { IrodsClient } from '../irods/index.js';

/** The problems that keep the job from starting, one sentence each; [] when it may. */
export async function preflight(job: JobConfig, client: IrodsClient): Promise<string[]> {
  const checks = preflightChecks(job.operation);
  const user = client.access.username;
  const facts: PreflightFacts = {
    operation: job.operation,
    target: job.target,
    user,
    ...(checks.resource && job.resource !== ''
      ? {
          resource: {
            name: job.resource,
            exists: await client.access.resourceExists(job.resource),
          },
        }
      : {}),
    ...(checks.writable ? { collection: await collectionAccess(job.target, client) } : {}),
    ...(checks.admin ? { userType: (await client.access.user(user)).type } : {}),
  };
  return preflightProblems(facts);
}

/** The target's ACL, or its nearest existing ancestor's while the target is not there. */
async function collectionAccess(
  target: string,
  client: IrodsClient,
): Promise<CollectionAccess | undefined> {
  const user = client.access.username;
  for (let path = target; ; path = parentPath(path)) {
    const stat = await client.collections.stat(path);
    if (stat !== undefined) {
      const acl = stat.permissions;
      const groups = new Set<string>();
      for (const entry of acl ?? []) {
        // Only a group whose entry would be enough is worth a question.
        if (entry.type !== 'rodsgroup' || !allowsCreate(entry.perm)) continue;
        if (await client.access.isMemberOfGroup(user, entry.name)) groups.add(entry.name);
      }
      return { path, isTarget: path === target, acl, groups };
    }
    if (path === '/') return undefined;
  }
}
