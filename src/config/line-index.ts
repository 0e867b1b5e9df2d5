/**
 * A light scan of TOML source that maps key paths to the line defining them, so problems found
 * after parsing (which keeps no positions) can still name a line. Best effort by design: it knows
 * table headers, counts `[[array]]` headers, and `key =` lines; keys inside multi-line inline
 * tables fall back to the line of the key holding the table.
 */
import { formatPath, type PathSegment } from './key-path.js';

export type LineIndex = ReadonlyMap<string, number>;

interface ScanState {
  /** Open `[` and `{` in a value spanning lines. */
  depth: number;
  /** The delimiter of a multi-line string still open, if any. */
  openString: '"""' | "'''" | undefined;
}

export function indexKeyLines(text: string): LineIndex {
  const index = new Map<string, number>();
  const arrayCounts = new Map<string, number>();
  const state: ScanState = { depth: 0, openString: undefined };
  let table: PathSegment[] = [];
  const record = (path: PathSegment[], line: number): void => {
    const key = formatPath(path);
    if (!index.has(key)) index.set(key, line);
  };

  text.split(/\r?\n/).forEach((raw, i) => {
    const line = i + 1;
    if (state.depth > 0 || state.openString !== undefined) {
      scanValue(raw, 0, state);
      return;
    }
    const header = /^\s*(\[\[?)(.*?)\]\]?\s*(#.*)?$/.exec(raw);
    if (header !== null) {
      const parts = splitKey(header[2] ?? '');
      if (parts === undefined) return;
      table = resolveTable(parts, header[1] === '[[', arrayCounts);
      for (let n = 1; n <= table.length; n += 1) record(table.slice(0, n), line);
      return;
    }
    const equals = findEquals(raw);
    if (equals < 0) return;
    const parts = splitKey(raw.slice(0, equals));
    if (parts === undefined) return;
    for (let n = 1; n <= parts.length; n += 1) record([...table, ...parts.slice(0, n)], line);
    scanValue(raw, equals + 1, state);
  });
  return index;
}

/** The line of `path`, or of its nearest ancestor the scan saw. */
export function lineOf(
  index: LineIndex | undefined,
  path: readonly PathSegment[],
): number | undefined {
  if (index === undefined) return undefined;
  for (let n = path.length; n > 0; n -= 1) {
    const line = index.get(formatPath(path.slice(0, n)));
    if (line !== undefined) return line;
  }
  return undefined;
}

/** Header parts with array-of-table indexes resolved to the element currently open. */
function resolveTable(
  parts: string[],
  isArray: boolean,
  counts: Map<string, number>,
): PathSegment[] {
  const resolved: PathSegment[] = [];
  parts.forEach((part, i) => {
    resolved.push(part);
    const key = formatPath(resolved);
    if (isArray && i === parts.length - 1) {
      const next = (counts.get(key) ?? -1) + 1;
      counts.set(key, next);
      resolved.push(next);
    } else {
      const current = counts.get(key);
      if (current !== undefined) resolved.push(current);
    }
  });
  return resolved;
}

/** A dotted key split into its parts (quotes removed), or undefined when it does not look like one. */
function splitKey(key: string): string[] | undefined {
  const parts: string[] = [];
  const pattern = /\s*(?:([A-Za-z0-9_-]+)|"((?:[^"\\]|\\.)*)"|'([^']*)')\s*(\.|$)/y;
  let match: RegExpExecArray | null;
  while (pattern.lastIndex < key.length && (match = pattern.exec(key)) !== null) {
    const quoted = match[2] === undefined ? undefined : unescapeBasic(match[2]);
    parts.push(match[1] ?? quoted ?? match[3] ?? '');
    if (match[4] === '') break;
  }
  return parts.length > 0 && pattern.lastIndex >= key.trimEnd().length ? parts : undefined;
}

function unescapeBasic(text: string): string {
  try {
    return JSON.parse(`"${text}"`) as string;
  } catch {
    return text;
  }
}

/** Position of the `=` after a key, skipping quoted key parts; -1 when the line has none. */
function findEquals(line: string): number {
  let quote: string | undefined;
  for (let i = 0; i < line.length; i += 1) {
    const char = line[i];
    if (quote !== undefined) {
      if (char === '\\' && quote === '"') i += 1;
      else if (char === quote) quote = undefined;
    } else if (char === '"' || char === "'") {
      quote = char;
    } else if (char === '=') {
      return i;
    } else if (char === '#') {
      return -1;
    }
  }
  return -1;
}

/** Follows strings, comments and brackets in a value so continuation lines are not read as keys. */
function scanValue(line: string, start: number, state: ScanState): void {
  let i = start;
  while (i < line.length) {
    if (state.openString !== undefined) {
      const close = line.indexOf(state.openString, i);
      if (close < 0) return;
      i = close + 3;
      state.openString = undefined;
      continue;
    }
    const char = line[i];
    if (char === '#') return;
    if (line.startsWith('"""', i) || line.startsWith("'''", i)) {
      state.openString = line.startsWith('"""', i) ? '"""' : "'''";
      i += 3;
    } else if (char === '"' || char === "'") {
      i = skipString(line, i);
    } else {
      if (char === '[' || char === '{') state.depth += 1;
      if (char === ']' || char === '}') state.depth = Math.max(0, state.depth - 1);
      i += 1;
    }
  }
}

function skipString(line: string, open: number): number {
  const quote = line[open];
  for (let i = open + 1; i < line.length; i += 1) {
    if (quote === '"' && line[i] === '\\') i += 1;
    else if (line[i] === quote) return i + 1;
  }
  return line.length;
}
