/**
 * `config show` for people: the daemon's effective config (JSON) written back as TOML in the
 * shape of ingestd.toml, so it can be read side by side with the files it came from. Top-level
 * objects become `[tables]`, arrays of objects `[[tables]]`, anything deeper is inline; keys
 * without a value (null) are left out, as TOML has no null.
 */

export function formatConfigToml(config: Record<string, unknown>): string {
  const lines: string[] = [];
  const scalars = Object.entries(config).filter(
    ([, value]) => !isTable(value) && !isTableArray(value),
  );
  for (const [key, value] of scalars) pushPair(lines, key, value);
  for (const [key, value] of Object.entries(config)) {
    if (isTable(value)) {
      if (lines.length > 0) lines.push('');
      lines.push(`[${tomlKey(key)}]`);
      for (const [k, v] of Object.entries(value)) pushPair(lines, k, v);
    } else if (isTableArray(value)) {
      for (const entry of value) {
        if (lines.length > 0) lines.push('');
        lines.push(`[[${tomlKey(key)}]]`);
        for (const [k, v] of Object.entries(entry)) pushPair(lines, k, v);
      }
    }
  }
  return lines.join('\n');
}

function pushPair(lines: string[], key: string, value: unknown): void {
  const text = tomlValue(value);
  if (text !== undefined) lines.push(`${tomlKey(key)} = ${text}`);
}

function tomlValue(value: unknown): string | undefined {
  switch (typeof value) {
    case 'string':
      // JSON string escapes are a subset of TOML basic-string escapes.
      return JSON.stringify(value);
    case 'number':
      if (Number.isNaN(value)) return 'nan';
      if (!Number.isFinite(value)) return value > 0 ? 'inf' : '-inf';
      return String(value);
    case 'boolean':
      return String(value);
    case 'object': {
      if (value === null) return undefined;
      if (Array.isArray(value)) {
        const items = value.map(tomlValue).filter((item) => item !== undefined);
        return `[${items.join(', ')}]`;
      }
      const pairs = Object.entries(value as Record<string, unknown>)
        .map(([k, v]) => [k, tomlValue(v)] as const)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => `${tomlKey(k)} = ${v!}`);
      return pairs.length === 0 ? '{}' : `{ ${pairs.join(', ')} }`;
    }
    default:
      return undefined;
  }
}

function tomlKey(key: string): string {
  return /^[A-Za-z0-9_-]+$/.test(key) ? key : JSON.stringify(key);
}

function isTable(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isTableArray(value: unknown): value is Record<string, unknown>[] {
  return Array.isArray(value) && value.length > 0 && value.every(isTable);
}
