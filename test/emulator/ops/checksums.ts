/**
 * `calculate_checksum` and `verify_checksum` (§5.2.10, §5.2.11), as the server's rsDataObjChksum
 * does them [srv: server/api/src/rsDataObjChksum.cpp]:
 *
 * - both `replica-number` and `resource`, or either with `all`: USER_INCOMPATIBLE_PARAMS;
 * - calculate, one replica (the named one, else the latest good): a recorded checksum is
 *   returned as is unless `force`; otherwise it is computed in the server's default hash scheme
 *   and recorded. A stale replica may be checksummed; an intermediate one is
 *   SYS_REPLICA_INACCESSIBLE. With `all`: every good replica (none → SYS_NO_GOOD_REPLICA);
 * - verify, one named replica, or else every good replica with the others counted as skipped:
 *   results in this order: the skipped count (info), physical sizes that differ from the catalog
 *   (error), replicas without a checksum (warning; then nothing is recomputed), recomputed
 *   checksums that differ (error, unless `compute-checksums=0`), and good replicas whose
 *   checksums differ from each other (warning). Any result → CHECK_VERIFICATION_RESULTS.
 */
import { hasLevel } from '../acl.js';
import { schemeOf } from '../checksum.js';
import { IRODS } from '../codes.js';
import { REPLICA_STATUS, latestGoodReplica, type Replica } from '../model.js';
import type { OpContext } from '../state.js';
import { StorageError } from '../storage.js';
import { adminMode, required } from './common.js';
import { visibleDataObject } from './data-read.js';
import { REPLICA_RULES, targetReplica, type Target } from './replica-target.js';

type VerificationResult = {
  error_code: number;
  message: string;
  severity: 'info' | 'warning' | 'error';
};

/** The checks shared by both ops; undefined after answering. */
function prepare(ctx: OpContext, all: boolean) {
  const lpath = required(ctx, 'lpath');
  if (lpath === undefined) return undefined;
  const asAdmin = adminMode(ctx);
  if (asAdmin === undefined) return undefined;
  const object = visibleDataObject(ctx, lpath);
  if (!object) return void ctx.reply.irods(200, IRODS.CAT_NO_ROWS_FOUND);
  const target: Target = targetReplica(ctx, object, REPLICA_RULES);
  if (target.kind === 'bad-number') return void ctx.reply.fail(400);
  const named = target.kind !== 'unnamed';
  if (target.kind === 'conflict' || (all && named)) {
    return void ctx.reply.irods(200, IRODS.USER_INCOMPATIBLE_PARAMS);
  }
  if (target.kind === 'missing') return void ctx.reply.irods(200, target.code);
  if (!hasLevel(object.acl, ctx.who, 'read_object', asAdmin || ctx.who.admin)) {
    return void ctx.reply.irods(200, IRODS.CAT_NO_ACCESS_PERMISSION);
  }
  return { object, target };
}

export async function calculateChecksum(ctx: OpContext): Promise<void> {
  const all = ctx.params.flag('all');
  const prepared = prepare(ctx, all);
  if (!prepared) return;
  const { object, target } = prepared;
  const { catalog } = ctx.state;
  const scheme = ctx.state.config.irods_server.default_hash_scheme;
  const force = ctx.params.flag('force');
  const update = async (replica: Replica): Promise<string> => {
    if (replica.checksum === '' || force) {
      replica.checksum = await catalog.vaults.checksum(replica, scheme);
      catalog.saveDataObject(object);
    }
    return replica.checksum;
  };
  try {
    if (all) {
      const good = object.replicas.filter((r) => r.status === REPLICA_STATUS.good);
      if (good.length === 0) return ctx.reply.irods(200, IRODS.SYS_NO_GOOD_REPLICA);
      const checksums: string[] = [];
      for (const replica of good) checksums.push(await update(replica));
      // Replicas that disagree leave the server without a checksum to hand back.
      const agreed = checksums.every((c) => c === checksums[0]) ? checksums.at(-1)! : null;
      return ctx.reply.json(200, { checksum: agreed, irods_response: { status_code: 0 } });
    }
    const replica =
      target.kind === 'replica'
        ? target.replica
        : (latestGoodReplica(object) ?? object.replicas[0]!);
    if (replica.status === REPLICA_STATUS.intermediate) {
      return ctx.reply.irods(200, IRODS.SYS_REPLICA_INACCESSIBLE);
    }
    const checksum = await update(replica);
    ctx.reply.json(200, { checksum, irods_response: { status_code: 0 } });
  } catch (error) {
    // The stored bytes could not be read (a missing file, an unreachable S3 endpoint).
    if (!(error instanceof StorageError)) throw error;
    ctx.reply.irods(200, error.irodsCode);
  }
}

export async function verifyChecksum(ctx: OpContext): Promise<void> {
  const prepared = prepare(ctx, false);
  if (!prepared) return;
  const { object, target } = prepared;
  const compute = ctx.params.str('compute-checksums') !== '0';
  const results: VerificationResult[] = [];
  let replicas: Replica[];
  if (target.kind === 'replica') {
    if (target.replica.status === REPLICA_STATUS.intermediate) {
      return ctx.reply.irods(200, IRODS.SYS_REPLICA_INACCESSIBLE);
    }
    replicas = [target.replica];
  } else {
    replicas = object.replicas.filter((r) => r.status === REPLICA_STATUS.good);
    if (replicas.length === 0) return ctx.reply.irods(200, IRODS.SYS_NO_GOOD_REPLICA);
    const skipped = object.replicas.length - replicas.length;
    if (skipped > 0) {
      results.push(result(0, `INFO: Number of replicas skipped: ${skipped}`, 'info'));
    }
  }
  await verifyReplicas(ctx, replicas, compute, results);
  if (results.length === 0) return ctx.reply.irods(200, 0);
  ctx.reply.json(200, {
    irods_response: { status_code: IRODS.CHECK_VERIFICATION_RESULTS },
    results,
  });
}

async function verifyReplicas(
  ctx: OpContext,
  replicas: readonly Replica[],
  compute: boolean,
  results: VerificationResult[],
): Promise<void> {
  const { vaults } = ctx.state.catalog;
  for (const replica of replicas) {
    const stored = await vaults.storedSize(replica).catch(() => undefined);
    if (stored !== replica.size) {
      const message =
        stored === undefined
          ? `ERROR: Could not verify size for replica [${replica.number}].`
          : `ERROR: Physical size does not match size in catalog for replica [${replica.number}].`;
      results.push(result(IRODS.USER_FILE_SIZE_MISMATCH, message, 'error'));
    }
  }
  const missing = replicas.filter((replica) => replica.checksum === '');
  for (const replica of missing) {
    results.push(
      result(
        IRODS.CAT_NO_CHECKSUM_FOR_REPLICA,
        `WARNING: No checksum available for replica [${replica.number}].`,
        'warning',
      ),
    );
  }
  if (missing.length > 0) return;
  if (compute) {
    for (const replica of replicas) {
      const actual = await vaults.checksum(replica, schemeOf(replica.checksum)).catch(() => '');
      if (actual !== replica.checksum) {
        const message = `ERROR: Computed checksum does not match what is in the catalog for replica [${replica.number}].`;
        results.push(result(IRODS.USER_CHKSUM_MISMATCH, message, 'error'));
      }
    }
  }
  if (replicas.some((replica) => replica.checksum !== replicas[0]!.checksum)) {
    results.push(
      result(
        IRODS.USER_CHKSUM_MISMATCH,
        'WARNING: Data object has replicas with different checksums.',
        'warning',
      ),
    );
  }
}

function result(
  code: number,
  message: string,
  severity: VerificationResult['severity'],
): VerificationResult {
  return { error_code: code, message, severity };
}
