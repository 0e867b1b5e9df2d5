/**
 * Body of a stat thread (stat-thread.ts): answers each request with its paths' stats, or for a
 * hash request with their SHA-256, in order.
 */
import { createHash } from 'node:crypto';
import { closeSync, lstatSync, openSync, readSync, statSync } from 'node:fs';
import { parentPort } from 'node:worker_threads';
import { isGoneErrno } from '../core/gone.js';
import { entryTypeOfMode, type StatFacts } from './stat-facts.js';
import type { HashAnswer, StatAnswer, StatReply, StatRequest } from './stat-thread.js';

const port = parentPort!;
/** Grown to the largest file hashed so far, and reused. */
let readBuffer = Buffer.alloc(0);

/** A Buffer arrives as a plain Uint8Array; fs takes it as a Buffer view of the same bytes. */
function pathOf(bytesOrText: string | Uint8Array): string | Buffer {
  return typeof bytesOrText === 'string'
    ? bytesOrText
    : Buffer.from(bytesOrText.buffer, bytesOrText.byteOffset, bytesOrText.byteLength);
}

function statOf(bytesOrText: string | Uint8Array, followSymlinks: boolean): StatAnswer {
  const path = pathOf(bytesOrText);
  try {
    const options = { bigint: true, throwIfNoEntry: false } as const;
    const info = followSymlinks ? statSync(path, options) : lstatSync(path, options);
    if (info === undefined) return undefined;
    // Plain data: a Stats object loses its methods between threads.
    const { mode, size, mtimeNs, ctimeNs, ino, dev, uid, gid } = info;
    return { mode, size, mtimeNs, ctimeNs, ino, dev, uid, gid };
  } catch (error) {
    const { code, message } = error as NodeJS.ErrnoException;
    if (isGoneErrno(code)) return undefined;
    return { errno: code ?? 'EIO', message };
  }
}

/** The file's SHA-256 between two equal stats, or undefined (see StatThread.hashMany). */
function hashOf(
  bytesOrText: string | Uint8Array,
  followSymlinks: boolean,
  upTo: number,
): HashAnswer | undefined {
  const before = statOf(bytesOrText, followSymlinks);
  if (before === undefined || 'errno' in before) return undefined;
  const size = Number(before.size);
  if (entryTypeOfMode(Number(before.mode)) !== 'file' || size > upTo) return undefined;
  if (readBuffer.length < size + 1) readBuffer = Buffer.allocUnsafe(size + 1);
  let read = 0;
  try {
    const fd = openSync(pathOf(bytesOrText), 'r');
    try {
      // Up to one byte more than the stat said: a file that grew is seen here.
      while (read <= size) {
        const got = readSync(fd, readBuffer, read, size + 1 - read, read);
        if (got === 0) break;
        read += got;
      }
    } finally {
      closeSync(fd);
    }
  } catch {
    return undefined;
  }
  const after = statOf(bytesOrText, followSymlinks);
  if (read !== size || after === undefined || 'errno' in after || !same(before, after)) {
    return undefined;
  }
  const sha256 = createHash('sha256').update(readBuffer.subarray(0, size)).digest();
  return { stat: before, sha256: new Uint8Array(sha256) };
}

function same(a: StatFacts, b: StatFacts): boolean {
  return (
    a.size === b.size &&
    a.mtimeNs === b.mtimeNs &&
    a.ctimeNs === b.ctimeNs &&
    a.ino === b.ino &&
    a.dev === b.dev
  );
}

port.on('message', ({ id, paths, followSymlinks, hashUpTo }: StatRequest) => {
  const reply: StatReply = {
    id,
    answers:
      hashUpTo === undefined
        ? paths.map((path) => statOf(path, followSymlinks))
        : paths.map((path) => hashOf(path, followSymlinks, hashUpTo)),
  };
  port.postMessage(reply);
});
