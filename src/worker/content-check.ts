/**
 * The content check (action `check-content`): for a file whose ctime alone moved, or whose last
 * run lost its lock, the file's digest is compared with the checksum of what iRODS holds. The
 * same content is recorded with the new stat and nothing moves; other content, a missing object
 * or a checksum this daemon cannot reproduce turns the action into the sync that the operation
 * does for a change (`onDifference`).
 *
 * - Uploaded objects (put operations): every good replica must have the file's size and
 *   checksum. A replica without a checksum (writes clear it, and `checksum = "none"` never asks
 *   for one) has the server compute it, once: it stays in the catalog, so the next check of the
 *   file costs no read on the server.
 * - Registrations: the replica that points at the file is the file itself, so its bytes cannot be
 *   stale; only the catalog's size and checksum of it can. Without a checksum there, the size
 *   decides and the file is not read at all.
 */
import { checksumScheme, CHECKSUM_SCHEMES, type ChecksumScheme } from '../core/checksum.js';
import { sendsBytes } from '../core/job-rules.js';
import { GOOD_REPLICA, type ReplicaFacts } from '../irods/index.js';
import type { EntryContext } from './context.js';
import { SourceChangedError } from './errors.js';
import { addMetadata, carryMtime, checksumPolicy, keepLock, sourceStat } from './file-steps.js';
import { step } from './pipeline.js';
import { entryChecksum, secondsOf, statDifference } from './source.js';

export const checkContent = step<EntryContext>('check-content', async (ctx) => {
  const { action } = ctx;
  if (action.kind !== 'check-content') return;
  if (!(await holdsSameContent(ctx))) ctx.action = action.onDifference;
});

/**
 * What a recheck that found the file's content in iRODS still owes the object. The run that lost
 * the file's lock may have lost it between the transfer and the steps after it: the object may
 * lack the file's mtime (a write's close sets it to "now"), the checksum the job asks for, and the
 * job's AVUs. What the catalog does not show is done now; adding AVUs that are there is a no-op.
 * A content check of a confirmed file whose ctime alone moved needs none of this: the run that
 * confirmed it did all of it.
 */
export const completeRecheck = step<EntryContext>('complete-recheck', async (ctx) => {
  if (ctx.task.recheck !== true) return;
  const { job } = ctx.deps;
  const replicas = comparedReplicas(ctx, await replicasOf(ctx));
  // The object carries the mtime when one of its replicas does, as adoption sees it (adopt.ts).
  const mtime = secondsOf(sourceStat(ctx).mtimeNs);
  ctx.mtimeCarried = replicas.some((replica) => replica.modifiedAt === mtime);
  await carryMtime.run(ctx);
  // The check had the server compute what an uploaded object lacked; a registration it compared
  // by its size alone when the catalog had no checksum of it.
  const unsummed = replicas.some((replica) => replica.checksum === '');
  if (job.checksum !== 'none' && !sendsBytes(job.operation) && unsummed) {
    await checksumPolicy.run(ctx);
  }
  await addMetadata.run(ctx);
});

/**
 * Before the bytes of a retried upload go: the earlier try may have sent them all, and only its
 * answer was lost (the connection broke, or iRODS went away before answering). An object that
 * holds the file's content (the checks above) is not uploaded again; the steps after the transfer
 * (mtime, checksum, metadata, record) run as for one just sent. Nothing is removed or overwritten
 * here.
 */
export const findSent = step<EntryContext>('find-sent', async (ctx) => {
  if (ctx.retried) ctx.alreadySent = await holdsSameContent(ctx);
});

/**
 * The replicas that must hold the file's content: every good one of an uploaded object; of a
 * registration, the one at the file's physical path (`physical_source` or the handler's
 * `physicalPath`, else the source path).
 */
export function comparedReplicas(ctx: EntryContext, all: readonly ReplicaFacts[]): ReplicaFacts[] {
  if (sendsBytes(ctx.deps.job.operation)) {
    return all.filter((replica) => replica.status === GOOD_REPLICA);
  }
  const { sourcePath, physicalPath = sourcePath } = ctx.task;
  return all.filter((replica) => replica.physicalPath === physicalPath);
}

/** The file's content is what iRODS holds (see above); exported for adoption (adopt.ts). */
export async function holdsSameContent(ctx: EntryContext): Promise<boolean> {
  const { client, job } = ctx.deps;
  const { logicalPath } = ctx.task;
  const { size } = sourceStat(ctx);
  const registered = !sendsBytes(job.operation);
  const replicas = comparedReplicas(ctx, await replicasOf(ctx));
  if (replicas.length === 0 || replicas.some((replica) => replica.size !== size)) return false;
  const checksums = replicas.map((replica) => replica.checksum).filter((sum) => sum !== '');
  if (registered && checksums.length === 0) return true;
  if (checksums.length < replicas.length) {
    checksums.push(await client.dataObjects.calculateChecksum(logicalPath));
  }
  const local = new Map<ChecksumScheme, string>();
  for (const checksum of checksums) {
    // Another scheme than the ones known here: the file cannot be shown to be the same.
    const scheme = checksumScheme(checksum);
    if (scheme === undefined) return false;
    let digest = local.get(scheme);
    if (digest === undefined) {
      digest = await fileChecksum(ctx, scheme, size);
      local.set(scheme, digest);
    }
    if (digest !== checksum) return false;
  }
  const sha2 = local.get(CHECKSUM_SCHEMES.sha256);
  if (sha2 !== undefined) ctx.localSha2 = sha2;
  return true;
}

/**
 * The file's checksum, over the size of the stat decided on: a file that grew since shows in the
 * stat after the read (verify-source), one that shrank here.
 */
async function fileChecksum(
  ctx: EntryContext,
  scheme: ChecksumScheme,
  size: number,
): Promise<string> {
  if (scheme === CHECKSUM_SCHEMES.sha256) {
    const known = await ctx.deps.checks?.sha256(ctx.task.logicalPath);
    if (known !== undefined && statDifference(known.stat, sourceStat(ctx)) === undefined) {
      return known.checksum;
    }
  }
  try {
    return await entryChecksum(ctx.deps.files, ctx.task.sourcePath, scheme, {
      length: size,
      progress: keepLock(ctx),
    });
  } catch (error) {
    if (!(error instanceof RangeError)) throw error;
    throw new SourceChangedError({ ...ctx.failure, step: 'check-content' }, 'it shrank', error);
  }
}

/** The object's replicas, from the batch's lookup when there is one. */
export async function replicasOf(ctx: EntryContext): Promise<ReplicaFacts[]> {
  const { deps, task } = ctx;
  if (deps.checks !== undefined) return deps.checks.replicas(task.logicalPath);
  const facts = await deps.client.dataObjects.replicaFacts([task.logicalPath]);
  return facts.get(task.logicalPath) ?? [];
}
