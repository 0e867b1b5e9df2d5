/**
 * An upload of a file that died with its process (kill -9, power loss) may have left its
 * parallel-write handle open: the object stays locked (every write to it, and its removal, is
 * refused) and its streams stay reserved until the handle is shut down, which only its holder can
 * do. The handle was remembered before anything was written through it (WriteHandles), so it is
 * shut down before the file is sent again or its object removed, by whoever holds the file's lock
 * then.
 *
 * An init whose answer never came (lost, or its upload died waiting) opened a handle nobody
 * knows: the API offers no way to find it. It is remembered as UNKNOWN_HANDLE before it is sent,
 * and what it may hold open is released instead (irods/parallel-handles.ts).
 */
import { encodeRelPath } from '../core/entry.js';
import { UNKNOWN_HANDLE } from '../irods/index.js';
import type { WorkerDeps } from './context.js';

/** Shuts down the handle a dead upload of `relPath` left open, if any. */
export async function shutDownLeftoverHandle(
  deps: Pick<WorkerDeps, 'client' | 'handles'>,
  relPath: Uint8Array,
  logicalPath: string,
): Promise<void> {
  const { client, handles } = deps;
  if (handles === undefined) return;
  const text = encodeRelPath(relPath);
  const leftover = await handles.get(text);
  if (leftover === undefined) return;
  if (leftover === UNKNOWN_HANDLE) await client.releaseUnknownHandle(logicalPath);
  else await client.shutdownParallelWrite(leftover, logicalPath);
  await handles.forget(text, leftover);
}
