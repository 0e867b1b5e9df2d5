/**
 * The random moments at which the crash tests break things, made replayable: they come from a
 * seed, reported with every delay as the test's diagnostics (the spec reporter prints them under
 * the test, failed or not). `CRASH_SEED=<seed> ./scripts/test <file>` draws the same delays
 * again. The daemon's own timing still varies from run to run, so a replay lands near the same
 * moment of the pass, not on the same instruction.
 */
import { randomInt } from 'node:crypto';
import type { TestContext } from 'node:test';

/** A delay of `min` ms or more, below `max`, from the test's seed. */
export type Delay = (min: number, max: number) => number;

export function randomDelays(t: TestContext): Delay {
  const given = process.env.CRASH_SEED;
  const seed = given === undefined ? randomInt(2 ** 32) : Number(given);
  if (!Number.isInteger(seed) || seed < 0 || seed >= 2 ** 32) {
    throw new Error(`CRASH_SEED must be an integer from 0 to 2^32 - 1, not ${given}`);
  }
  t.diagnostic(`random delays from CRASH_SEED=${seed}${given === undefined ? '' : ' (given)'}`);
  const next = generator(seed);
  let drawn = 0;
  return (min, max) => {
    const ms = min + Math.floor(next() * (max - min));
    drawn += 1;
    t.diagnostic(`delay ${drawn}: ${ms} ms`);
    return ms;
  };
}

/** Numbers in [0, 1) from a 32-bit seed (mulberry32: small and good enough for test timing). */
function generator(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let mixed = Math.imul(state ^ (state >>> 15), 1 | state);
    mixed = (mixed + Math.imul(mixed ^ (mixed >>> 7), 61 | mixed)) ^ mixed;
    return ((mixed ^ (mixed >>> 14)) >>> 0) / 2 ** 32;
  };
}
