/**
 * Which replica an op acts on when a client names one by `replica-number` or by resource.
 *
 * - Opens (read, as write does in write-session.ts) take a root resource: the replica below it,
 *   the latest good one first; a child resource is DIRECT_CHILD_ACCESS [test]. Given both, the
 *   resource wins (§5.2.2).
 * - Replica-level ops (checksums, truncate) take either, not both (USER_INCOMPATIBLE_PARAMS for
 *   checksums [srv: rsDataObjChksum], SYS_INVALID_INPUT_PARAM for truncate [test]); the resource
 *   may be the root or the leaf of the replica's hierarchy [inf].
 */
import { IRODS } from '../codes.js';
import { replicaNumbered, type DataObject, type Replica } from '../model.js';
import type { OpContext } from '../state.js';

export type Target =
  | { kind: 'replica'; replica: Replica }
  /** Nothing was named: the op decides (latest good replica, or all of them). */
  | { kind: 'unnamed' }
  /** The named replica or resource does not exist, or holds no replica: the iRODS code. */
  | { kind: 'missing'; code: number }
  | { kind: 'bad-number' }
  | { kind: 'conflict' };

export interface TargetRules {
  /** Resource names must be roots (opens). */
  readonly rootOnly: boolean;
  /** Both given: the resource wins (opens) or it is a conflict. */
  readonly resourceWins: boolean;
  /** The resource parameter's name. */
  readonly resourceKey?: string;
}

export const OPEN_RULES: TargetRules = { rootOnly: true, resourceWins: true };
export const REPLICA_RULES: TargetRules = { rootOnly: false, resourceWins: false };

export function targetReplica(ctx: OpContext, object: DataObject, rules: TargetRules): Target {
  const number = ctx.params.int('replica-number');
  const resourceName = ctx.params.str(rules.resourceKey ?? 'resource');
  if (number.kind === 'invalid' && !(rules.resourceWins && resourceName !== undefined)) {
    return { kind: 'bad-number' };
  }
  if (resourceName !== undefined) {
    if (number.kind !== 'absent' && !rules.resourceWins) return { kind: 'conflict' };
    const resources = ctx.state.catalog.resources;
    let resource;
    if (rules.rootOnly) {
      const named = resources.rootNamed(resourceName);
      if (!named.ok) return { kind: 'missing', code: named.code };
      resource = named.resource;
    } else {
      resource = resources.byName(resourceName);
      if (!resource) return { kind: 'missing', code: IRODS.SYS_RESC_DOES_NOT_EXIST };
    }
    const [replica] = resources.replicasBelow(object, resource);
    return replica
      ? { kind: 'replica', replica }
      : { kind: 'missing', code: IRODS.SYS_REPLICA_DOES_NOT_EXIST };
  }
  if (number.kind === 'value') {
    const replica = replicaNumbered(object, number.value);
    return replica
      ? { kind: 'replica', replica }
      : { kind: 'missing', code: IRODS.SYS_REPLICA_DOES_NOT_EXIST };
  }
  return { kind: 'unnamed' };
}
