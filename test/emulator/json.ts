/**
 * The real server serializes with nlohmann::json, whose default object type is a std::map: keys
 * come out sorted by byte order at every level and there is no whitespace. Clients may compare
 * bodies byte for byte, so the emulator serializes the same way (spec §1.5).
 */
export type JsonValue =
  | null
  | boolean
  | number
  | string
  | readonly JsonValue[]
  | { readonly [key: string]: JsonValue | undefined };

/** Compact JSON with object keys sorted in UTF-8 byte order; `undefined` members are left out. */
export function sortedJson(value: JsonValue): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) {
    return `[${(value as readonly JsonValue[]).map((item) => sortedJson(item)).join(',')}]`;
  }
  const record = value as { readonly [key: string]: JsonValue | undefined };
  const keys = Object.keys(record)
    .filter((key) => record[key] !== undefined)
    .sort(compareBytes);
  return `{${keys.map((key) => `${JSON.stringify(key)}:${sortedJson(record[key]!)}`).join(',')}}`;
}

/** Byte-order comparison of the UTF-8 encodings (differs from UTF-16 order for astral chars). */
export function compareBytes(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}
