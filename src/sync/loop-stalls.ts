/**
 * Notices when the event loop stood still: a timer due every second that fires much later means
 * nothing ran meanwhile, and the kernel may have dropped inotify events that nobody read (it
 * does so silently: libuv ignores the overflow notice). Watching jobs then rescan.
 */

/** A stall longer than this may have overflowed the inotify queue of a busy tree. */
export const STALL_THRESHOLD_MS = 5_000;
const TICK_MS = 1_000;

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
