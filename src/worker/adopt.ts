/**
 * Adoption (action `adopt`): a file with no recorded state may already be in iRODS, put there by
 * upstream's tool, by `iput -r`, or by this daemon before its Redis was lost. The object's
 * replicas are compared with the file as rsync's quick check does, by size and mtime, plus the
 * checksum with `checksum = "verify"`; an object that matches is adopted: the file is recorded
 * and no byte moves. Otherwise the action becomes the one for a missing object or for other
 * content (`put` keeps what is there, the others send or register the file).
 *
 * The replicas come from the batch's lookup (one GenQuery per collection and page of names, see
 * check-lookup.ts), so adopting a directory of files costs a request or two, not one per file.
 *
 * - Uploaded objects (put operations): every good replica has the file's size and one of them
 *   its mtime (in whole seconds, as iRODS keeps it; every sync here carries the source's).
 * - Registrations: the replica that points at the file itself has its size and mtime; a
 *   registration elsewhere is other content (register_replica adds this file as a replica).
 */
import { comparedReplicas, holdsSameContent, replicasOf } from './content-check.js';
import type { EntryContext } from './context.js';
import { sourceStat } from './file-steps.js';
import { step } from './pipeline.js';
import { secondsOf } from './source.js';

const VERDICTS = { same: 'same', missing: 'missing', different: 'different' } as const;
type Verdict = (typeof VERDICTS)[keyof typeof VERDICTS];

export const adoptExisting = step<EntryContext>('adopt', async (ctx) => {
  const { action } = ctx;
  if (action.kind !== 'adopt') return;
  const verdict = await compareWithObject(ctx);
  if (verdict === VERDICTS.same) return;
  // Other content was there before the job: writing over it does not make it the job's to
  // delete (no provisional state) until the job's copy is confirmed and recorded.
  if (verdict === VERDICTS.different) ctx.foreignObject = true;
  ctx.action = verdict === VERDICTS.missing ? action.onMissing : action.onDifference;
});

async function compareWithObject(ctx: EntryContext): Promise<Verdict> {
  const all = await replicasOf(ctx);
  if (all.length === 0) return VERDICTS.missing;
  const { size, mtimeNs } = sourceStat(ctx);
  const mtime = secondsOf(mtimeNs);
  const replicas = comparedReplicas(ctx, all);
  const quick =
    replicas.length > 0 &&
    replicas.every((replica) => replica.size === size) &&
    replicas.some((replica) => replica.modifiedAt === mtime);
  if (!quick) return VERDICTS.different;
  if (ctx.deps.job.checksum !== 'verify') return VERDICTS.same;
  return (await holdsSameContent(ctx)) ? VERDICTS.same : VERDICTS.different;
}
