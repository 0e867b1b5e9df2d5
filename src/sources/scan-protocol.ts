/**
 * What the main thread and a scan thread exchange. The main thread posts one `ScanRequest` per
 * scan; the thread answers with chunks, their entries packed into one transferred buffer
 * (entry-codec.ts), the rest as a structured clone (Uint8Array names survive it), and ends the
 * scan with `done` or `root-failed`, after which it takes the next request. Back-pressure
 * travels through shared memory, because the walk is synchronous: the scan thread has no event
 * loop turning while it works, so it blocks in Atomics.wait until the consumer has taken enough
 * chunks.
 */
import type { ExcludeType } from '../core/job-rules.js';
import type { ScanFailure } from './types.js';
import type { PackedChunk } from './walk.js';

export interface ScanRequest {
  readonly root: string;
  readonly exclude: readonly string[];
  readonly excludeTypes: readonly ExcludeType[];
  readonly followSymlinks: boolean;
  readonly chunkSize: number;
  /** Chunks the scan thread may have delivered beyond those the consumer has finished. */
  readonly window: number;
  /** An Int32Array of CONTROL_SLOTS over a SharedArrayBuffer, one per scan. */
  readonly control: SharedArrayBuffer;
}

/** Slots of the shared control array. */
export const CONTROL = {
  /** Chunks posted by the scan thread. */
  posted: 0,
  /** Chunks the consumer has finished with (it asked for the next one). */
  consumed: 1,
  /** Set to 1 by the main thread when the consumer stopped early. */
  stop: 2,
} as const;
export const CONTROL_SLOTS = 3;

export type ScanThreadMessage =
  /** `chunk.entries` is transferred rather than copied. */
  | { readonly kind: 'chunk'; readonly chunk: PackedChunk }
  | { readonly kind: 'root-failed'; readonly failure: ScanFailure }
  | { readonly kind: 'done' };
