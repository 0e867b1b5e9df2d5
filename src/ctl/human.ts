/**
 * Pieces of human output for `irods-ingestctl`: counts, rates, relative times, aligned tables and
 * colours. Pure functions; the caller decides whether colours are on (a TTY and no NO_COLOR).
 */
import { formatBytes } from '../core/pass-summary.js';
import { visibleText } from '../core/visible-text.js';

/** "950", "12.3k", "4.5M": counts that stay short in a table column. */
export function formatCount(n: number): string {
  if (!Number.isFinite(n)) return '?';
  const abs = Math.abs(n);
  if (abs < 1000) return Number.isInteger(n) ? String(n) : n.toFixed(1);
  if (abs < 999_950) return `${(n / 1000).toFixed(1)}k`;
  if (abs < 999_950_000) return `${(n / 1e6).toFixed(1)}M`;
  return `${(n / 1e9).toFixed(1)}G`;
}

/** "0 files/s", "0.4 files/s", "35 files/s", "1.2k files/s". */
export function formatFileRate(perSecond: number): string {
  if (perSecond > 0 && perSecond < 10) return `${perSecond.toFixed(1)} files/s`;
  return `${formatCount(perSecond < 1000 ? Math.round(perSecond) : perSecond)} files/s`;
}

/** "0 B/s", "512 B/s", "35.0 MiB/s". */
export function formatByteRate(perSecond: number): string {
  return `${formatBytes(Math.round(perSecond))}/s`;
}

/** A span for people, coarse on purpose: "12 s", "4 min", "3 h", "2 d". */
export function formatSpan(ms: number): string {
  const seconds = Math.round(Math.abs(ms) / 1000);
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.round(minutes / 60);
  if (hours < 48) return `${hours} h`;
  return `${Math.round(hours / 24)} d`;
}

/** `iso` relative to `now`: "in 4 min", "12 s ago", "now"; "-" when absent, the text if unparsable. */
export function formatRelative(iso: string | undefined, now: Date): string {
  if (iso === undefined) return '-';
  const at = Date.parse(iso);
  if (Number.isNaN(at)) return iso;
  const delta = at - now.getTime();
  if (Math.abs(delta) < 1000) return 'now';
  return delta > 0 ? `in ${formatSpan(delta)}` : `${formatSpan(delta)} ago`;
}

export const ALIGN = { left: 'left', right: 'right' } as const;
export type Align = (typeof ALIGN)[keyof typeof ALIGN];

export interface Column {
  header: string;
  align?: Align;
}

/**
 * Rows under a header line, each column as wide as its widest cell, two spaces apart, no
 * trailing blanks. `paint(column, row, padded)` may colour a body cell after padding, so escape
 * codes never count towards widths; `header` styles the header line as a whole.
 */
export function table(
  columns: readonly Column[],
  rows: readonly (readonly string[])[],
  paint: (column: number, row: number, padded: string) => string = (_c, _r, padded) => padded,
  header: (line: string) => string = (line) => line,
): string {
  const widths = columns.map((column, i) =>
    Math.max(column.header.length, ...rows.map((row) => (row[i] ?? '').length)),
  );
  const pad = (cell: string, i: number) => {
    if (columns[i]!.align === ALIGN.right) return cell.padStart(widths[i]!);
    return i === columns.length - 1 ? cell : cell.padEnd(widths[i]!);
  };
  const headerLine = columns.map((column, i) => pad(column.header, i)).join('  ');
  const body = rows.map((row, r) =>
    columns
      .map((_column, i) => paint(i, r, pad(row[i] ?? '', i)))
      .join('  ')
      .trimEnd(),
  );
  return [header(headerLine.trimEnd()), ...body].join('\n');
}

/** `label: value` lines with the values aligned. */
export function keyValues(pairs: readonly (readonly [string, string])[]): string {
  const width = Math.max(...pairs.map(([key]) => key.length)) + 1;
  return pairs.map(([key, value]) => `${`${key}:`.padEnd(width)}  ${value}`).join('\n');
}

/** ANSI styling, or plain text when colours are off. */
export interface Style {
  bold: (text: string) => string;
  dim: (text: string) => string;
  red: (text: string) => string;
  green: (text: string) => string;
  yellow: (text: string) => string;
}

const sgr = (code: number) => (text: string) => `\u001b[${code}m${text}\u001b[0m`;

export function makeStyle(colour: boolean): Style {
  if (!colour) {
    const plain = (text: string) => text;
    return { bold: plain, dim: plain, red: plain, green: plain, yellow: plain };
  }
  return { bold: sgr(1), dim: sgr(2), red: sgr(31), green: sgr(32), yellow: sgr(33) };
}

/**
 * A daemon's answer with every string in it made visible (visibleText): paths and failure
 * messages come from whoever names files in a source or writes a handler, and printed raw an
 * escape sequence in a file name would reach the operator's terminal. `--json` stays exact.
 */
export function visible<T>(value: T): T {
  if (typeof value === 'string') return visibleText(value) as T;
  if (Array.isArray(value)) return value.map((item: unknown) => visible(item)) as T;
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, visible(item)]),
    ) as T;
  }
  return value;
}
