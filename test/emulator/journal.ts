/**
 * Persistence of the catalog under --root, built to stay cheap with 200,000+ data objects:
 *
 * - `catalog.journal.jsonl` is append-only. Every mutation appends one JSON line holding the
 *   whole mutated entity (or its deletion) with a single synchronous write, so a kill -9 leaves
 *   at most a torn last line. Whole-entity upserts make replay idempotent.
 * - `catalog.snapshot.jsonl` holds every live entity, one per line. It is written to a temp file
 *   and renamed into place on clean shutdown and whenever the journal passes a line threshold;
 *   the journal is emptied only after the rename, so a crash in between replays the journal over
 *   the new snapshot, which the idempotent records allow.
 * - Loading = snapshot + journal replay. An unparseable last journal line is ignored and cut off
 *   so that later appends start on a fresh line.
 *
 * Tokens and parallel-write handles are not persisted: like a restarted HTTP API server, a
 * restarted emulator has forgotten them. Replica status fix-ups after a crash are the catalog's
 * business (it sees the records), not this module's.
 */
import {
  closeSync,
  existsSync,
  fsyncSync,
  ftruncateSync,
  openSync,
  readFileSync,
  renameSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import type { JournalRecord } from './records.js';

const SNAPSHOT = 'catalog.snapshot.jsonl';
const JOURNAL = 'catalog.journal.jsonl';

export class JournalError extends Error {
  readonly code = 'EMULATOR_JOURNAL_CORRUPT';
  constructor(
    message: string,
    readonly file: string,
    readonly line: number,
  ) {
    super(message);
  }
}

/** Key of an entity across record versions: kind plus id. */
export function recordKey(record: Pick<JournalRecord, 'k' | 'id'>): string {
  return `${record.k}:${record.id}`;
}

export class Journal {
  #fd: number;
  #lines: number;

  private constructor(
    readonly directory: string,
    fd: number,
    lines: number,
  ) {
    this.#fd = fd;
    this.#lines = lines;
  }

  /** Opens the store in `directory` and returns it with the live records, oldest first. */
  static open(directory: string): { journal: Journal; records: Map<string, JournalRecord> } {
    const records = new Map<string, JournalRecord>();
    const snapshotPath = join(directory, SNAPSHOT);
    if (existsSync(snapshotPath)) {
      applyLines(readFileSync(snapshotPath, 'utf8'), snapshotPath, records, false);
    }
    const journalPath = join(directory, JOURNAL);
    const fd = openSync(journalPath, 'a+');
    const text = readFileSync(journalPath, 'utf8');
    const { lines, validLength } = applyLines(text, journalPath, records, true);
    if (validLength < Buffer.byteLength(text)) ftruncateSync(fd, validLength);
    return { journal: new Journal(directory, fd, lines), records };
  }

  /** Appends one record; returns true when the journal has grown past `threshold` lines. */
  append(record: JournalRecord, threshold: number): boolean {
    writeSync(this.#fd, `${JSON.stringify(record)}\n`);
    this.#lines += 1;
    return this.#lines >= threshold;
  }

  /** Writes `records` as the new snapshot (atomically) and empties the journal. */
  compact(records: Iterable<JournalRecord>): void {
    const target = join(this.directory, SNAPSHOT);
    const temp = `${target}.tmp`;
    const fd = openSync(temp, 'w');
    try {
      let batch: string[] = [];
      for (const record of records) {
        batch.push(JSON.stringify(record));
        if (batch.length >= 1000) {
          writeSync(fd, `${batch.join('\n')}\n`);
          batch = [];
        }
      }
      if (batch.length > 0) writeSync(fd, `${batch.join('\n')}\n`);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, target);
    ftruncateSync(this.#fd, 0);
    this.#lines = 0;
  }

  close(): void {
    closeSync(this.#fd);
  }
}

/**
 * Applies JSON lines to `records`. With `tolerateTornTail`, a last line that does not parse (or
 * lacks its newline) is a torn write and ignored; any other bad line is corruption.
 */
function applyLines(
  text: string,
  file: string,
  records: Map<string, JournalRecord>,
  tolerateTornTail: boolean,
): { lines: number; validLength: number } {
  let start = 0;
  let lines = 0;
  while (start < text.length) {
    const end = text.indexOf('\n', start);
    const complete = end >= 0;
    const line = text.slice(start, complete ? end : text.length);
    const isLast = !complete || end === text.length - 1;
    let record: JournalRecord | undefined;
    try {
      record = JSON.parse(line) as JournalRecord;
    } catch {
      record = undefined;
    }
    if (record === undefined || !complete) {
      if (tolerateTornTail && isLast)
        return { lines, validLength: Buffer.byteLength(text.slice(0, start)) };
      if (record === undefined) {
        throw new JournalError(`unparseable catalog line ${lines + 1} in ${file}`, file, lines + 1);
      }
    }
    const key = recordKey(record);
    if ('deleted' in record) records.delete(key);
    else {
      records.delete(key);
      records.set(key, record);
    }
    lines += 1;
    start = complete ? end + 1 : text.length;
  }
  return { lines, validLength: Buffer.byteLength(text) };
}
