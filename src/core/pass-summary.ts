/**
 * What one pass over a job's source did, and the one log line that reports it when the pass ends:
 * `job microscope-1 pass 3 done: 5000 seen, 12 new, 3 updated, 0 deleted, 40 excluded, 1 failed,
 * 1.2 GiB, 4.1 s`.
 */
import type { ReportedCounts } from './counters.js';

/** A pass's counters and how long it took. */
export type PassSummary = ReportedCounts & { durationMs: number };

export function formatPassSummary(jobName: string, pass: number, summary: PassSummary): string {
  const counts = [
    `${summary.seen} seen`,
    `${summary.new} new`,
    `${summary.updated} updated`,
    `${summary.deleted} deleted`,
    `${summary.excluded} excluded`,
    `${summary.failed} failed`,
    // Only on the passes that found objects in iRODS already (the first on a filled collection).
    ...(summary.adopted ? [`${summary.adopted} adopted`] : []),
    ...(summary.kept ? [`${summary.kept} kept`] : []),
    // Only for jobs whose handler leaves some files out.
    ...(summary.skipped ? [`${summary.skipped} skipped`] : []),
  ];
  const totals = [formatBytes(summary.bytes), formatDuration(summary.durationMs)];
  return `job ${jobName} pass ${pass} done: ${[...counts, ...totals].join(', ')}`;
}

const BYTE_UNITS = ['KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB'] as const;

/** Bytes in binary units with one decimal ("512 B", "1.5 KiB", "1.2 GiB"). */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  let value = bytes / 1024;
  let unit = 0;
  // Rounding can carry into the next unit: 1023.96 KiB shows as 1.0 MiB, not 1024.0 KiB.
  while (Math.round(value * 10) >= 10240 && unit < BYTE_UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(1)} ${BYTE_UNITS[unit]!}`;
}

/** A duration for people: "850 ms", "4.1 s", "12 min 5 s", "3 h 2 min". */
export function formatDuration(ms: number): string {
  if (Math.round(ms) < 1000) return `${Math.round(ms)} ms`;
  const tenths = Math.round(ms / 100);
  if (tenths < 600) return `${(tenths / 10).toFixed(1)} s`;
  const seconds = Math.round(ms / 1000);
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
  const minutes = Math.round(ms / 60_000);
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}
