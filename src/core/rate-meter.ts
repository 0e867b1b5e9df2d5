/**
 * Files and bytes per second over a sliding window, from samples of a pass's running totals.
 * A new pass starts its totals from zero, so samples of an earlier pass are dropped.
 */

interface Sample {
  readonly at: number;
  readonly files: number;
  readonly bytes: number;
}

export class RateMeter {
  readonly #windowMs: number;
  #pass = -1;
  #samples: Sample[] = [];

  constructor(windowMs: number) {
    this.#windowMs = windowMs;
  }

  /** Adds a sample of pass `pass`'s totals taken at `at` (ms); returns the rate over the window. */
  sample(at: number, pass: number, files: number, bytes: number): { files: number; bytes: number } {
    if (pass !== this.#pass) {
      this.#pass = pass;
      this.#samples = [];
    }
    this.#samples.push({ at, files, bytes });
    while (this.#samples.length > 2 && at - this.#samples[1]!.at >= this.#windowMs) {
      this.#samples.shift();
    }
    const first = this.#samples[0]!;
    const seconds = (at - first.at) / 1000;
    if (seconds <= 0) return { files: 0, bytes: 0 };
    return { files: (files - first.files) / seconds, bytes: (bytes - first.bytes) / seconds };
  }
}
