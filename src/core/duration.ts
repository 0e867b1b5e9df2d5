/**
 * Durations in configuration: an integer followed by one unit ("500ms", "30s", "15m", "2h",
 * "1d"), or the bare "0". One unit per value keeps the grammar obvious to operators and to
 * `config show`, which prints them back with formatDuration.
 */

/** Milliseconds per unit, largest last so formatDuration can pick the largest exact one. */
export const DURATION_UNITS = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
} as const;

export type DurationUnit = keyof typeof DURATION_UNITS;

const DURATION_PATTERN = /^(\d+)(ms|s|m|h|d)$/;

/** Why `text` is not a duration, or undefined when it is one. */
export function durationProblem(text: string): string | undefined {
  if (text === '0') return undefined;
  const match = DURATION_PATTERN.exec(text);
  if (match === null) {
    return 'is not a duration (use a whole number and one unit: "500ms", "30s", "15m", "2h", "1d", or "0")';
  }
  const ms = Number(match[1]) * DURATION_UNITS[match[2] as DurationUnit];
  if (!Number.isSafeInteger(ms)) return 'is too long';
  return undefined;
}

/** The duration in milliseconds, or undefined when `text` is not a duration. */
export function parseDuration(text: string): number | undefined {
  if (durationProblem(text) !== undefined) return undefined;
  if (text === '0') return 0;
  const match = DURATION_PATTERN.exec(text) as RegExpExecArray;
  return Number(match[1]) * DURATION_UNITS[match[2] as DurationUnit];
}

/** The shortest exact spelling of `ms` in the largest unit that divides it ("15m", "1500ms"). */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0';
  const units = Object.entries(DURATION_UNITS).reverse();
  for (const [unit, size] of units) {
    if (ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}
