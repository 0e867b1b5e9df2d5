/**
 * Notices when the event loop stood still: a timer due every quarter second that fires much later
 * means nothing ran meanwhile, and the kernel may have dropped inotify events that nobody read (it
 * does so silently: libuv ignores the overflow notice). Watching jobs then rescan.
 *
 * A full-speed burst (about 11,000 files a second, two events each) fills the kernel's default
 * queue of 16,384 events in under a second, so a stall of about a second is enough to lose
 * events. Rescanning after each such stall costs one rescan of the job's tree (see the watch-burst
 * row of `npm run bench`); a stall of that length is rare in a daemon that is not starved.
 */

/** A stall longer than this may have overflowed the inotify queue of a busy tree. */
export const STALL_THRESHOLD_MS = 1_000;
const TICK_MS = 250;

/** Calls `onStall(ms)` after each stall; returns the function that stops watching. */
export function watchLoopStalls(onStall: (stalledMs: number) => void): () => void {
  let last = performance.now();
  const timer = setInterval(() => {
    const now = performance.now();
    const late = now - last - TICK_MS;
    last = now;
    if (late > STALL_THRESHOLD_MS) onStall(late);
  }, TICK_MS);
  timer.unref();
  return () => clearInterval(timer);
}
