/**
 * The steps of file actions. Each does one thing to one file and leaves what later steps need in
 * the context. Checks of the source before and after bracket the iRODS calls, so a file that
 * changed meanwhile is never recorded with content iRODS does not hold.
 */
import {
  checksumScheme,
  CHECKSUM_SCHEMES,
  CHECKSUM_VERDICT,
  compareChecksums,
  type ChecksumScheme,
} from '../core/checksum.js';
import { encodeRelPath } from '../core/entry.js';
import { parentPath } from '../core/logical-path.js';
import { registrationUpdate } from '../core/registration-update.js';
import {
  ENTITY,
  HANDLE_EVENTS,
  IrodsError,
  type Avu,
  type UploadOptions,
  type UploadResult,
} from '../irods/index.js';
import { isGoneError } from '../core/gone.js';
import { isIrodsError } from '../core/irods-codes.js';
import { ORIGINAL_NAME_ATTRIBUTE } from '../core/names.js';
import type { EntryContext, EntryTask } from './context.js';
import {
  ChecksumMismatchError,
  SourceChangedError,
  WORKER_ERROR_CODE,
  WorkerError,
} from './errors.js';
import { shutDownLeftoverHandle } from './leftover-handles.js';
import { step } from './pipeline.js';
import {
  entryChecksum,
  recordedFile,
  secondsOf,
  statDifference,
  statEntry,
  type SourceStat,
} from './source.js';

/**
 * Stats the source, unless the caller just did (EntryTask.justObserved); a file that is gone (or
 * no longer a regular file) ends the action quietly.
 */
export const checkSource = step<EntryContext>('check-source', async (ctx) => {
  if (ctx.before !== undefined) return;
  const { files, job } = ctx.deps;
  const current = await statEntry(files, ctx.task.sourcePath, job.follow_symlinks);
  if (current === undefined) ctx.stopped = true;
  else ctx.before = current;
});

export const ensureCollection = step<EntryContext>('ensure-collection', async (ctx) => {
  await ctx.deps.client.collections.ensure(parentPath(ctx.task.logicalPath));
});

/**
 * Registers the file in place, or brings an earlier registration of it up to date. Looking up the
 * replica that already points at this file first makes the step safe to repeat after a crash or
 * a lost answer, and lets a changed file keep its object, AVUs and ACLs: what the catalog has of
 * it that differs from the file is rewritten (modify_replica, core/registration-update.ts), and
 * nothing when it describes the file already, so a retry does not register the file twice.
 */
export const registerInPlace = step<EntryContext>('register', async (ctx) => {
  const { client, job } = ctx.deps;
  const { logicalPath, sourcePath } = ctx.task;
  if (typeof sourcePath !== 'string') {
    throw new WorkerError(
      WORKER_ERROR_CODE.unregistrablePath,
      { ...ctx.failure, step: 'register' },
      `${ctx.failure.operation} of ${ctx.failure.relPath}: the physical path is not valid UTF-8 and cannot be registered through the HTTP API; exclude it or use a put operation`,
      { retryable: false },
    );
  }
  const physicalPath = ctx.task.physicalPath ?? sourcePath;
  const before = sourceStat(ctx);
  await trackObject(ctx);
  const computeChecksum = job.checksum === 'register';
  const registration = {
    physicalPath,
    resource: job.resource,
    dataSize: before.size,
    checksum: computeChecksum,
  };
  // A file never recorded is registered straight away: one request per new file. Its replicas
  // are looked up only when an object is there already (a crash between the register and the
  // record, or a changed file).
  if (ctx.action.kind === 'register') {
    try {
      await client.dataObjects.register(logicalPath, registration);
      ctx.checksumComputed = computeChecksum;
      return;
    } catch (error) {
      const exists =
        error instanceof IrodsError && isIrodsError(error.irodsCode, 'CAT_NAME_EXISTS_AS_DATAOBJ');
      if (!exists) throw error;
    }
  }
  // Asked of the catalog now: a lookup the batch made before this register is out of date.
  const facts = await client.dataObjects.replicaFacts([logicalPath]);
  const replicas = facts.get(logicalPath) ?? [];
  const mine = replicas.find((replica) => replica.physicalPath === physicalPath);
  if (mine !== undefined) {
    const file = { size: before.size, modifiedAt: secondsOf(before.mtimeNs) };
    const changes = registrationUpdate(mine, file, job.checksum !== 'none');
    if (changes !== undefined) {
      await client.dataObjects.modifyReplica(logicalPath, { replicaNumber: mine.number }, changes);
    }
    ctx.mtimeCarried = true;
    return;
  }
  // An object gone since the decision may have taken its collection along.
  if (replicas.length === 0) await client.collections.ensure(parentPath(logicalPath));
  // register_replica adds this file to an object that already exists elsewhere.
  const asAdditionalReplica = job.operation === 'register_replica' && replicas.length > 0;
  await client.dataObjects.register(logicalPath, { ...registration, asAdditionalReplica });
  // The server ignores `checksum` for an additional replica (rsRegReplica only checksums it when
  // the existing replica has a checksum), so the checksum step computes it.
  ctx.checksumComputed = computeChecksum && !asAdditionalReplica;
});

/** Sends the whole file, unless an earlier try did (content-check.ts findSent). */
export const upload = step<EntryContext>('upload', async (ctx) => {
  if (ctx.alreadySent) return;
  const { client, files } = ctx.deps;
  const { entry, sourcePath, logicalPath } = ctx.task;
  await shutDownLeftoverHandle(ctx.deps, entry.relPath, logicalPath);
  await send(ctx, async (options) => {
    // An S3 object streams from its GET into the upload, only while it has the content decided
    // on.
    const source = files === undefined ? sourcePath : await files.open(sourcePath, sourceStat(ctx));
    return client.upload(source, logicalPath, options);
  });
});

/**
 * Appends the new bytes when the object holds exactly the recorded prefix of the file: same size
 * and the iRODS checksum of the object equals the local SHA-256 of the file's first `fromOffset`
 * bytes. Anything else (object gone or of another size, prefix rewritten, file shrank) means the
 * object cannot be trusted as a prefix, and the whole file is uploaded instead.
 */
export const appendOrUpload = step<EntryContext>('append', async (ctx) => {
  if (ctx.alreadySent) return;
  if (ctx.action.kind !== 'append') return upload.run(ctx);
  const { client } = ctx.deps;
  const { logicalPath, sourcePath } = ctx.task;
  const { fromOffset } = ctx.action;
  await shutDownLeftoverHandle(ctx.deps, ctx.task.entry.relPath, logicalPath);
  if (await holdsPrefix(ctx, fromOffset)) {
    await send(ctx, (options) => client.append(sourcePath, logicalPath, fromOffset, options));
    return;
  }
  ctx.action = { kind: 'upload' };
  await upload.run(ctx);
});

async function holdsPrefix(ctx: EntryContext, fromOffset: number): Promise<boolean> {
  const { client, files } = ctx.deps;
  const { logicalPath, sourcePath } = ctx.task;
  if (sourceStat(ctx).size < fromOffset) return false;
  const object = await client.dataObjects.stat(logicalPath);
  if (object?.size !== fromOffset) return false;
  // Every write clears the stored checksum, so one that is there describes the current bytes.
  const irods = object.checksum || (await client.dataObjects.calculateChecksum(logicalPath));
  // The prefix is hashed the way the zone hashed the object (SHA-256, or MD5 in an MD5 zone).
  const scheme = checksumScheme(irods);
  if (scheme === undefined) return false;
  let local;
  try {
    local = await entryChecksum(files, sourcePath, scheme, {
      length: fromOffset,
      progress: keepLock(ctx),
    });
  } catch (error) {
    if (error instanceof RangeError) return false;
    throw error;
  }
  return compareChecksums(irods, local) === CHECKSUM_VERDICT.match;
}

/** Actions that move no bytes: they record what the stat before them saw. */
const REGISTRATIONS: ReadonlySet<string> = new Set([
  'register',
  'update-registration',
  'register-replica',
]);

/**
 * Fails (retryably) when the source is not what it was before the transfer. A registration
 * without a checksum moves no bytes and records the size and mtime of the stat before it, as the
 * state does, so a change since then is simply seen by the next pass; only a checksum the server
 * computed from the bytes could be out of step with them.
 */
export const verifySource = step<EntryContext>('verify-source', async (ctx) => {
  if (REGISTRATIONS.has(ctx.action.kind) && ctx.deps.job.checksum === 'none') return;
  const before = sourceStat(ctx);
  const { files, job } = ctx.deps;
  const after = await statEntry(files, ctx.task.sourcePath, job.follow_symlinks);
  const difference = statDifference(before, after);
  if (difference !== undefined) {
    throw new SourceChangedError({ ...ctx.failure, step: 'verify-source' }, difference);
  }
});

/** Every write close resets the object's mtime to "now"; put the source's back (§7.4). */
export const carryMtime = step<EntryContext>('carry-mtime', async (ctx) => {
  if (ctx.mtimeCarried) return;
  await ctx.deps.client.dataObjects.touch(ctx.task.logicalPath, secondsOf(sourceStat(ctx).mtimeNs));
  ctx.mtimeCarried = true;
});

/**
 * `register`: the server computes and stores the checksum. `verify`: it does, and the value must
 * equal the digest of the local file under the zone's hash scheme (SHA-256 by default, MD5 in a
 * zone configured so), else the file fails for good (sending it again would not change what the
 * server computes from the same bytes).
 */
export const checksumPolicy = step<EntryContext>('checksum', async (ctx) => {
  const { client, job } = ctx.deps;
  const { logicalPath } = ctx.task;
  if (job.checksum === 'none') return;
  if (job.checksum === 'register') {
    if (!ctx.checksumComputed)
      await client.dataObjects.calculateChecksum(logicalPath, { force: true });
    ctx.checksumComputed = true;
    return;
  }
  const irods = await client.dataObjects.calculateChecksum(logicalPath, { force: true });
  ctx.checksumComputed = true;
  const scheme = checksumScheme(irods);
  if (scheme === undefined) {
    throw new WorkerError(
      WORKER_ERROR_CODE.checksumMismatch,
      { ...ctx.failure, step: 'checksum' },
      `${ctx.failure.operation} of ${ctx.failure.relPath}: iRODS answered the checksum ${irods || '(none)'} in a hash scheme this daemon cannot compute (it knows SHA256 and MD5); use checksum = "register"`,
      { retryable: false },
    );
  }
  const local = await localChecksumOf(ctx, scheme);
  if (local !== irods) {
    throw new ChecksumMismatchError({ ...ctx.failure, step: 'checksum' }, irods, local);
  }
});

/** The file's checksum under `scheme`: the SHA-256 of the upload when there was one. */
async function localChecksumOf(ctx: EntryContext, scheme: ChecksumScheme): Promise<string> {
  if (scheme === CHECKSUM_SCHEMES.sha256 && ctx.localSha2 !== undefined) return ctx.localSha2;
  return entryChecksum(ctx.deps.files, ctx.task.sourcePath, scheme, { progress: keepLock(ctx) });
}

/**
 * The job's AVUs (with the handler's), plus the original name of a mapped path. Adding an AVU
 * twice is a no-op.
 */
export const addMetadata = step<EntryContext>('metadata', async (ctx) => {
  const avus = entryAvus(ctx);
  if (avus.length === 0) return;
  await ctx.deps.client.metadata.add(ENTITY.dataObject, ctx.task.logicalPath, avus);
});

export function entryAvus(ctx: EntryContext): Avu[] {
  const avus: readonly Avu[] =
    ctx.task.avus ??
    Object.entries(ctx.deps.job.metadata).map(([attribute, value]) => ({ attribute, value }));
  return [...avus, ...originalNameAvus(ctx.task)];
}

/** The AVU holding the original bytes of a mapped path; none for a path kept as it is. */
export function originalNameAvus(task: EntryTask): Avu[] {
  if (!task.mapped || task.originalB64 === undefined) return [];
  return [{ attribute: ORIGINAL_NAME_ATTRIBUTE, value: task.originalB64 }];
}

/** Records the state the source had before the action, now that iRODS holds it. */
export const recordFile = step<EntryContext>('record', async (ctx) => {
  const state = recordedFile(sourceStat(ctx));
  await ctx.deps.record?.(ctx.task.entry.relPath, state);
  ctx.recorded = state;
});

export function sourceStat(ctx: EntryContext): SourceStat {
  // The check-source step runs first in every pipeline that gets here and stops it otherwise.
  if (ctx.before === undefined) throw new Error('the source was not checked before this step');
  return ctx.before;
}

/** The progress hook of a long step: it keeps the file's lock (see WorkerDeps.keepLock). */
export function keepLock(ctx: EntryContext): (() => Promise<void>) | undefined {
  const { keepLock: keep } = ctx.deps;
  if (keep === undefined) return undefined;
  const { relPath } = ctx.task.entry;
  return () => keep(relPath);
}

/**
 * Before the first request that may create the file's object: a file whose copy the job has not
 * confirmed gets a provisional state (WorkerDeps.track), so the object is the job's from then on.
 * An object that was there before the job is not claimed so: when unsure, keep.
 */
async function trackObject(ctx: EntryContext): Promise<void> {
  const { track } = ctx.deps;
  if (ctx.tracked || ctx.foreignObject || track === undefined) return;
  await track(ctx.task.entry.relPath, { ...recordedFile(sourceStat(ctx)), provisional: true });
  ctx.tracked = true;
  ctx.provisional = true;
}

/**
 * Sends the file's bytes through `transfer`, its object tracked first. A transfer that failed
 * before it sent anything to iRODS (the file could not be opened) leaves nothing to track; one
 * that failed so because the file is gone ends the action quietly, as checkSource does.
 */
async function send(
  ctx: EntryContext,
  transfer: (options: UploadOptions) => Promise<UploadResult>,
): Promise<void> {
  await trackObject(ctx);
  let sent = false;
  let result: UploadResult;
  try {
    result = await transfer(uploadOptions(ctx, () => (sent = true)));
  } catch (error) {
    if (sent || error instanceof IrodsError) throw error;
    if (ctx.provisional) {
      await ctx.deps.untrack?.(ctx.task.entry.relPath);
      ctx.provisional = false;
    }
    const gone =
      isGoneError(error) &&
      (await statEntry(ctx.deps.files, ctx.task.sourcePath, ctx.deps.job.follow_symlinks)) ===
        undefined;
    if (!gone) throw error;
    ctx.stopped = true;
    return;
  }
  ctx.localSha2 = result.sha2;
  ctx.bytesSent = result.bytesSent;
}

/** `sending` is told before the first request of the transfer that may write to iRODS. */
function uploadOptions(ctx: EntryContext, sending: () => void): UploadOptions {
  const { job, handles } = ctx.deps;
  const relPath = encodeRelPath(ctx.task.entry.relPath);
  const progress = keepLock(ctx);
  return {
    ...(job.resource === '' ? {} : { resource: job.resource }),
    onProgress: async () => {
      sending();
      await progress?.();
    },
    onHandle: async (handle, event) => {
      sending();
      if (handles === undefined) return;
      // An init about to go is remembered as an unknown handle, replaced by the one it opens.
      const open = event === HANDLE_EVENTS.opening || event === HANDLE_EVENTS.opened;
      if (open) await handles.remember(relPath, handle);
      else await handles.forget(relPath, handle);
    },
  };
}
