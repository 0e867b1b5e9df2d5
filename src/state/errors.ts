import { IngestError } from '../errors.js';
import { encodeRelPath } from '../core/entry.js';

/** A value in Redis that the state module cannot read: written by something else, or damaged. */
export class StateCorruptError extends IngestError {
  readonly value: string;

  constructor(value: string, what = 'recorded state') {
    super('STATE_CORRUPT', `unreadable ${what} in Redis: ${JSON.stringify(value.slice(0, 100))}`);
    this.value = value;
  }
}

/** A relative path the state cannot hold (the empty root path as an entry). */
export class StatePathError extends IngestError {
  readonly relPath: Uint8Array;

  constructor(relPath: Uint8Array, why: string) {
    super('STATE_PATH', `cannot use ${JSON.stringify(encodeRelPath(relPath))} as an entry: ${why}`);
    this.relPath = relPath;
  }
}

/**
 * A file's lock is no longer held by the run that took it: it lapsed (a stall longer than its
 * TTL) and may belong to another worker now. That run must stop writing for the file.
 */
export class LockLostError extends IngestError {
  readonly relPath: string;

  constructor(relPath: string) {
    super('STATE_LOCK_LOST', `the lock of ${relPath} lapsed; another worker may hold it now`);
    this.relPath = relPath;
  }
}
