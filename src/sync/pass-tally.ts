/** The counters of a running pass, kept in memory between their writes. */
import type { JobRecords } from '../state/index.js';
import type { Counts } from '../core/counters.js';

/** Chunks whose counts are gathered in memory before they are written in one round trip. */
const TALLY_CHUNKS = 32;

/**
 * The pass's counters and progress, added up in memory and written every TALLY_CHUNKS chunks and
 * at the end of the scan: a round trip per chunk would cost a no-change rescan more than its
 * comparisons do.
 */
export class PassTally {
  readonly #records: JobRecords;
  #counts: Partial<Counts> = {};
  #files = 0;
  #bytes = 0;
  #chunks = 0;

  constructor(records: JobRecords) {
    this.#records = records;
  }

  add(counts: Partial<Counts>, queuedFiles: number, queuedBytes: number): void {
    for (const [name, by] of Object.entries(counts) as [keyof Counts, number][]) {
      // Failures count themselves as they are recorded (FailureStore), once per file and pass.
      if (name === 'failed') continue;
      this.#counts[name] = (this.#counts[name] ?? 0) + by;
    }
    this.#files += queuedFiles;
    this.#bytes += queuedBytes;
    this.#chunks += 1;
  }

  async flushSometimes(): Promise<void> {
    if (this.#chunks >= TALLY_CHUNKS) await this.flush();
  }

  async flush(): Promise<void> {
    if (this.#chunks === 0) return;
    // Taken before the write: the pass's own state writes run beside the scan and add to the
    // tally while it is in flight, and what they add goes in the next write.
    const counts = this.#counts;
    const queued = { files: this.#files, bytes: this.#bytes };
    this.#counts = {};
    this.#files = 0;
    this.#bytes = 0;
    this.#chunks = 0;
    await this.#records.incrementBy(counts, queued);
  }
}
