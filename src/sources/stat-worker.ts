/** Body of a stat thread (stat-thread.ts): answers each request with its paths' stats, in order. */
import { lstatSync, statSync } from 'node:fs';
import { parentPort } from 'node:worker_threads';
import { isGoneErrno } from '../core/gone.js';
import type { StatAnswer, StatReply, StatRequest } from './stat-thread.js';

const port = parentPort!;

function statOf(bytesOrText: string | Uint8Array, followSymlinks: boolean): StatAnswer {
  // A Buffer arrives as a plain Uint8Array; fs takes it as a Buffer view of the same bytes.
  const path =
    typeof bytesOrText === 'string'
      ? bytesOrText
      : Buffer.from(bytesOrText.buffer, bytesOrText.byteOffset, bytesOrText.byteLength);
  try {
    const options = { bigint: true, throwIfNoEntry: false } as const;
    const info = followSymlinks ? statSync(path, options) : lstatSync(path, options);
    if (info === undefined) return undefined;
    // Plain data: a Stats object loses its methods between threads.
    const { mode, size, mtimeNs, ctimeNs, ino, dev } = info;
    return { mode, size, mtimeNs, ctimeNs, ino, dev };
  } catch (error) {
    const { code, message } = error as NodeJS.ErrnoException;
    if (isGoneErrno(code)) return undefined;
    return { errno: code ?? 'EIO', message };
  }
}

port.on('message', ({ id, paths, followSymlinks }: StatRequest) => {
  const reply: StatReply = { id, answers: paths.map((path) => statOf(path, followSymlinks)) };
  port.postMessage(reply);
});
