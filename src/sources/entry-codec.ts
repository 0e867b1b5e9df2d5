/**
 * A compact binary form for a chunk's entries, so that they cross from the scan thread to the
 * main thread as one transferred ArrayBuffer instead of a structured clone of a thousand objects.
 * The scan thread writes each entry straight from its stats as it observes it (no entry object
 * in between), and decoding costs the main thread a fraction of what deserialising a clone does;
 * the main thread is the one with other work to do.
 *
 * Layout per entry, 8-byte aligned: mtimeNs, ctimeNs, ino, dev (int64, as Node's bigint stats
 * report them), size (float64), mode (uint32), type (uint8), 3 bytes unused, relPath length and
 * link target length (uint32; 0xffffffff for none), then the path bytes and the link target
 * bytes, padded to a multiple of 8.
 */
import type { StatFacts } from './stat-facts.js';
import type { EntryType, ObservedEntry, StateFields } from '../core/entry.js';

const HEADER = 56;
const NO_LINK = 0xffffffff;
/** Most UTF-8 bytes one UTF-16 code unit of a JavaScript string can take. */
const MAX_UTF8_PER_UNIT = 3;
const INITIAL_CAPACITY = 64 * 1024;

const TYPE_CODES: readonly EntryType[] = [
  'file',
  'dir',
  'symlink',
  'socket',
  'fifo',
  'char',
  'block',
];

/**
 * Collects the entries of one chunk at a time. Its buffer is reused from chunk to chunk and
 * grows to fit the largest; `take` hands out a copy of exactly the bytes written.
 */
export class EntryWriter {
  #bytes = Buffer.allocUnsafeSlow(INITIAL_CAPACITY);
  #view = new DataView(this.#bytes.buffer);
  #at = 0;

  /**
   * Appends one entry. `relPath` is text while the walk's path is valid UTF-8 (written as its
   * UTF-8 bytes), raw bytes below a name that is not.
   */
  add(stats: StatFacts, type: EntryType, relPath: string | Uint8Array, link?: Uint8Array): void {
    const linkLength = link === undefined ? 0 : link.length;
    const most = HEADER + relPath.length * MAX_UTF8_PER_UNIT + linkLength + 8;
    if (this.#at + most > this.#bytes.length) this.#grow(this.#at + most);
    const at = this.#at;
    const view = this.#view;
    const pathStart = at + HEADER;
    const pathLength =
      typeof relPath === 'string'
        ? writeText(this.#bytes, relPath, pathStart)
        : (this.#bytes.set(relPath, pathStart), relPath.length);
    if (link !== undefined) this.#bytes.set(link, pathStart + pathLength);
    view.setBigInt64(at, stats.mtimeNs, true);
    view.setBigInt64(at + 8, stats.ctimeNs, true);
    view.setBigInt64(at + 16, stats.ino, true);
    view.setBigInt64(at + 24, stats.dev, true);
    view.setFloat64(at + 32, type === 'file' ? Number(stats.size) : 0, true);
    view.setUint32(at + 40, Number(stats.mode), true);
    view.setUint8(at + 44, TYPE_CODES.indexOf(type));
    view.setUint32(at + 48, pathLength, true);
    view.setUint32(at + 52, link === undefined ? NO_LINK : linkLength, true);
    this.#at = at + padded(HEADER + pathLength + linkLength);
  }

  /** The entries added since the last take, as a buffer of their own (to be transferred). */
  take(): ArrayBuffer {
    const packed = this.#bytes.buffer.slice(0, this.#at);
    this.#at = 0;
    return packed;
  }

  #grow(least: number): void {
    const bytes = Buffer.allocUnsafeSlow(Math.max(least, this.#bytes.length * 2));
    this.#bytes.copy(bytes, 0, 0, this.#at);
    this.#bytes = bytes;
    this.#view = new DataView(bytes.buffer);
  }
}

/**
 * A chunk's entries as they sit packed in its buffer. A pass reads them from here: a rescan to
 * compare nearly every entry with its recorded state, a first pass to record it, neither making
 * the entry's BigInts or copying its path. An entry is decoded only when asked for.
 */
export class PackedEntries {
  readonly #bytes: Buffer;
  /** The same bytes, to copy paths from as Uint8Arrays (Buffer#slice makes no copy). */
  readonly #array: Uint8Array;
  readonly #view: DataView;
  readonly #offsets: number[] = [];
  /** The buffer as latin1 text, made when a name is first asked for. */
  #text: string | undefined;
  readonly #fields: StateFields = {
    type: 'file',
    size: 0,
    mtimeHigh: 0,
    mtimeLow: 0,
    ctimeHigh: 0,
    ctimeLow: 0,
    inoHigh: 0,
    inoLow: 0,
  };

  constructor(buffer: ArrayBuffer) {
    this.#bytes = Buffer.from(buffer);
    this.#array = new Uint8Array(buffer);
    this.#view = new DataView(buffer);
    for (let at = 0; at < buffer.byteLength; at = this.#end(at)) this.#offsets.push(at);
  }

  get length(): number {
    return this.#offsets.length;
  }

  type(index: number): EntryType {
    return TYPE_CODES[this.#view.getUint8(this.#offsets[index]! + 44)]!;
  }

  /** The fields of the `index`th entry, in an object the next call overwrites. */
  fields(index: number): StateFields {
    const at = this.#offsets[index]!;
    const view = this.#view;
    const fields = this.#fields;
    fields.type = TYPE_CODES[view.getUint8(at + 44)]!;
    fields.size = view.getFloat64(at + 32, true);
    fields.mtimeLow = view.getUint32(at, true);
    fields.mtimeHigh = view.getUint32(at + 4, true);
    fields.ctimeLow = view.getUint32(at + 8, true);
    fields.ctimeHigh = view.getUint32(at + 12, true);
    fields.inoLow = view.getUint32(at + 16, true);
    fields.inoHigh = view.getUint32(at + 20, true);
    return fields;
  }

  /**
   * The last element of the `index`th entry's path as text when it is ASCII without a NUL, as
   * nearly every name is (it is its own encodeRelPath form then); undefined otherwise.
   */
  asciiName(index: number): string | undefined {
    const at = this.#offsets[index]!;
    const start = at + HEADER;
    const end = start + this.#view.getUint32(at + 48, true);
    const bytes = this.#bytes;
    // One decoding of the whole buffer, then a slice per name: a decoding per name cost twice.
    const text = (this.#text ??= bytes.toString('latin1'));
    // A slash found before `start` belongs to the entry before: the path is a name alone.
    const from = Math.max(start, text.lastIndexOf('/', end - 1) + 1);
    for (let i = from; i < end; i++) {
      const byte = bytes[i]!;
      if (byte === 0 || byte >= 0x80) return undefined;
    }
    return text.slice(from, end);
  }

  /** The `index`th entry, decoded: a new object on every call. */
  entry(index: number): ObservedEntry {
    const at = this.#offsets[index]!;
    const view = this.#view;
    const pathLength = view.getUint32(at + 48, true);
    const linkLength = view.getUint32(at + 52, true);
    const pathStart = at + HEADER;
    const entry: ObservedEntry = {
      relPath: this.#array.slice(pathStart, pathStart + pathLength),
      type: TYPE_CODES[view.getUint8(at + 44)]!,
      size: view.getFloat64(at + 32, true),
      mtimeNs: view.getBigInt64(at, true),
      ctimeNs: view.getBigInt64(at + 8, true),
      ino: view.getBigInt64(at + 16, true),
      dev: view.getBigInt64(at + 24, true),
      mode: view.getUint32(at + 40, true),
    };
    if (linkLength === NO_LINK) return entry;
    const linkStart = pathStart + pathLength;
    return { ...entry, linkTarget: this.#array.slice(linkStart, linkStart + linkLength) };
  }

  /** Every entry, decoded, in order. */
  decodeAll(): ObservedEntry[] {
    return Array.from({ length: this.length }, (_, i) => this.entry(i));
  }

  /** Where the entry at `at` ends (the next one begins). */
  #end(at: number): number {
    const pathLength = this.#view.getUint32(at + 48, true);
    const linkLength = this.#view.getUint32(at + 52, true);
    return at + padded(HEADER + pathLength + (linkLength === NO_LINK ? 0 : linkLength));
  }
}

/**
 * Writes `text` as UTF-8 at `at` and returns the byte count. Most paths are ASCII, and copying
 * those code by code is cheaper than a call into Buffer#write for strings this short.
 */
function writeText(bytes: Buffer, text: string, at: number): number {
  const length = text.length;
  for (let i = 0; i < length; i++) {
    const code = text.charCodeAt(i);
    if (code >= 0x80) return bytes.write(text, at);
    bytes[at + i] = code;
  }
  return length;
}

function padded(length: number): number {
  return (length + 7) & ~7;
}
