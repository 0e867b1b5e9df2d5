/**
 * The registry of parallel-write handles (§5.2.3): which streams a handle has, where each stream
 * stands, which are busy, and the server-wide stream budget. Memory only, like the real server's.
 */
import { randomUUID } from 'node:crypto';
import type { WriteSession } from './write-session.js';

export interface Stream {
  position: number;
  busy: boolean;
}

interface ParallelHandle {
  readonly session: WriteSession;
  readonly streams: Stream[];
}

export type StreamClaim =
  | { kind: 'ok'; session: WriteSession; stream: Stream; release: () => void }
  | { kind: 'unknown-handle' }
  | { kind: 'bad-index' }
  | { kind: 'busy' };

/** Open parallel-write handles (memory only) and the server-wide stream budget. */
export class ParallelWrites {
  readonly #handles = new Map<string, ParallelHandle>();
  #activeStreams = 0;

  get handleCount(): number {
    return this.#handles.size;
  }

  get activeStreams(): number {
    return this.#activeStreams;
  }

  register(session: WriteSession, streamCount: number): string {
    const id = randomUUID();
    const streams = Array.from({ length: streamCount }, () => ({ position: 0, busy: false }));
    this.#handles.set(id, { session, streams });
    this.#activeStreams += streamCount;
    return id;
  }

  /** Picks the stream for a write: the given index, or any free one (marked busy). */
  claim(
    handleId: string,
    streamIndex: string | undefined,
    parseIndex: (s: string) => number | undefined,
  ): StreamClaim {
    const handle = this.#handles.get(handleId);
    if (!handle) return { kind: 'unknown-handle' };
    if (streamIndex !== undefined) {
      const index = parseIndex(streamIndex);
      const stream = index === undefined ? undefined : handle.streams[index];
      if (!stream || index! < 0) return { kind: 'bad-index' };
      // With an explicit index the server does not track busy streams (§5.2.3).
      return { kind: 'ok', session: handle.session, stream, release: () => undefined };
    }
    const stream = handle.streams.find((s) => !s.busy);
    if (!stream) return { kind: 'busy' };
    stream.busy = true;
    return {
      kind: 'ok',
      session: handle.session,
      stream,
      release: () => {
        stream.busy = false;
      },
    };
  }

  /** Removes the handle and returns its session, or undefined for an unknown handle. */
  shutdown(handleId: string): WriteSession | undefined {
    const handle = this.#handles.get(handleId);
    if (!handle) return undefined;
    this.#handles.delete(handleId);
    this.#activeStreams -= handle.streams.length;
    return handle.session;
  }

  /** Sessions still open, for a clean shutdown of the emulator. */
  sessions(): WriteSession[] {
    return [...this.#handles.values()].map((handle) => handle.session);
  }
}
