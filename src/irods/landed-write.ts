/**
 * Whether a write whose answer was lost went through. The server may have carried the write out
 * to its end although its answer never came (the connection broke after the request was read,
 * or the HTTP API died after iRODS closed the object): sending the same bytes again would then
 * upload the file twice. Only a write that carries the whole file can be checked this way: the
 * object then holds exactly its bytes.
 *
 * The server computes the checksum from what it stores (`force`: a checksum recorded for the
 * object's earlier content says nothing of this write), and the bytes are hashed here in the
 * scheme of its answer. Any answer other than a matching checksum (no object, a replica still
 * open, a scheme not known here) has the write sent again; a check that gets no answer at all
 * fails the write as its own lost answer would have.
 */
import { createHash } from 'node:crypto';
import { checksumScheme, irodsChecksumOf } from '../core/checksum.js';
import type { Session } from './session.js';
import { ENDPOINT, REPEAT, type ApiCall } from './transport.js';

/** What an upload knows of a write of `chunk`. */
interface WriteOf {
  readonly logicalPath: string;
  /** The write creates or empties the object (not an append). */
  readonly truncate: boolean;
  readonly fileSize: number;
}

/** The `alreadyDone` of a write of `chunk`: none unless it carries the whole file. */
export function landedCheck(
  session: Session,
  write: WriteOf,
  chunk: Buffer,
): Pick<ApiCall, 'alreadyDone'> {
  if (!write.truncate || chunk.length !== write.fileSize) return {};
  return { alreadyDone: () => holdsExactly(session, write.logicalPath, chunk) };
}

/** The object at `logicalPath` holds exactly `bytes`, as the server computes it. */
async function holdsExactly(
  session: Session,
  logicalPath: string,
  bytes: Buffer,
): Promise<boolean> {
  const body = await session.transport.json({
    endpoint: ENDPOINT.dataObjects,
    method: 'POST',
    op: 'calculate_checksum',
    action: 'check of a write whose answer was lost, on data object',
    path: logicalPath,
    params: { lpath: logicalPath, force: '1' },
    repeat: REPEAT.always,
    accept: () => true,
  });
  const stored = typeof body.checksum === 'string' ? body.checksum : '';
  const scheme = checksumScheme(stored);
  if (scheme === undefined) return false;
  return irodsChecksumOf(scheme, createHash(scheme).update(bytes).digest()) === stored;
}
