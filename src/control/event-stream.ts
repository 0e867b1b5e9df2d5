/**
 * The one streaming route of the control API, `GET /v1/events`: newline-delimited JSON, one
 * DaemonEvent per line, for as long as the client stays (no deadline applies once the request
 * itself has arrived).
 */
import { once } from 'node:events';
import type { ServerResponse } from 'node:http';
import { messageOf } from '../errors.js';
import type { ControlTarget } from './target.js';
import type { DaemonEvent } from './wire.js';

/**
 * Streams events until the client disconnects or the server closes (it aborts the controllers
 * in `streams`); `warn` hears of a target whose stream failed.
 * The target's iterator is aborted through its signal and also returned, and a pending `next()`
 * is raced against the abort, so a target that ignores the signal cannot hold the server.
 */
export async function streamEvents(
  res: ServerResponse,
  target: ControlTarget,
  streams: Set<AbortController>,
  warn: (message: string) => void,
): Promise<void> {
  const controller = new AbortController();
  const { signal } = controller;
  streams.add(controller);
  res.once('close', () => controller.abort());
  res.writeHead(200, { 'Content-Type': 'application/x-ndjson', 'Cache-Control': 'no-store' });
  res.flushHeaders();
  const aborted = new Promise<never>((_, reject) => {
    signal.addEventListener('abort', () => reject(new Error('the events stream was closed')), {
      once: true,
    });
  });
  aborted.catch(() => undefined);
  let iterator: AsyncIterator<DaemonEvent> | undefined;
  try {
    iterator = target.events(signal)[Symbol.asyncIterator]();
    for (;;) {
      const next: IteratorResult<DaemonEvent> = await Promise.race([iterator.next(), aborted]);
      if (next.done === true) break;
      if (!res.write(`${JSON.stringify(next.value)}\n`)) {
        await Promise.race([once(res, 'drain'), aborted]);
      }
    }
  } catch (error) {
    if (!signal.aborted) {
      warn(`control events stream ended: ${messageOf(error)}`);
    }
  } finally {
    controller.abort();
    streams.delete(controller);
    if (iterator !== undefined) void Promise.resolve(iterator.return?.()).catch(() => undefined);
    res.end();
  }
}
