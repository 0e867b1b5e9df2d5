/**
 * A compact binary form for a chunk's entries, so that they cross from the scan thread to the
 * main thread as one transferred ArrayBuffer instead of a structured clone of a thousand objects.
 * Decoding this form costs the main thread a fraction of what deserialising the clone does, and
 * the main thread is the one with other work to do.
 *
 * Layout per entry, 8-byte aligned: mtimeNs, ctimeNs, ino, dev (int64, as Node's bigint stats
 * report them), size (float64), mode (uint32), type (uint8), 3 bytes unused, relPath length and
 * link target length (uint32; 0xffffffff for none), then the path bytes and the link target
 * bytes, padded to a multiple of 8.
 */
import type { EntryType, ObservedEntry } from '../core/entry.js';

const HEADER = 56;
const NO_LINK = 0xffffffff;

const TYPE_CODES: readonly EntryType[] = [
  'file',
  'dir',
  'symlink',
  'socket',
  'fifo',
  'char',
  'block',
];
const CODE_OF = new Map(TYPE_CODES.map((type, code) => [type, code]));

export function encodeEntries(entries: readonly ObservedEntry[]): ArrayBuffer {
  let length = 0;
  for (const entry of entries) length += recordLength(entry);
  const buffer = new ArrayBuffer(length);
  const view = new DataView(buffer);
  const bytes = new Uint8Array(buffer);
  let at = 0;
  for (const entry of entries) {
    const link = entry.linkTarget;
    view.setBigInt64(at, entry.mtimeNs, true);
    view.setBigInt64(at + 8, entry.ctimeNs, true);
    view.setBigInt64(at + 16, entry.ino, true);
    view.setBigInt64(at + 24, entry.dev, true);
    view.setFloat64(at + 32, entry.size, true);
    view.setUint32(at + 40, entry.mode, true);
    view.setUint8(at + 44, CODE_OF.get(entry.type)!);
    view.setUint32(at + 48, entry.relPath.length, true);
    view.setUint32(at + 52, link === undefined ? NO_LINK : link.length, true);
    bytes.set(entry.relPath, at + HEADER);
    if (link !== undefined) bytes.set(link, at + HEADER + entry.relPath.length);
    at += recordLength(entry);
  }
  return buffer;
}

export function decodeEntries(buffer: ArrayBuffer): ObservedEntry[] {
  const view = new DataView(buffer);
  const bytes = new Uint8Array(buffer);
  const entries: ObservedEntry[] = [];
  let at = 0;
  while (at < buffer.byteLength) {
    const pathLength = view.getUint32(at + 48, true);
    const linkLength = view.getUint32(at + 52, true);
    const pathStart = at + HEADER;
    const entry: ObservedEntry = {
      relPath: bytes.slice(pathStart, pathStart + pathLength),
      type: TYPE_CODES[view.getUint8(at + 44)]!,
      size: view.getFloat64(at + 32, true),
      mtimeNs: view.getBigInt64(at, true),
      ctimeNs: view.getBigInt64(at + 8, true),
      ino: view.getBigInt64(at + 16, true),
      dev: view.getBigInt64(at + 24, true),
      mode: view.getUint32(at + 40, true),
    };
    const linkStart = pathStart + pathLength;
    entries.push(
      linkLength === NO_LINK
        ? entry
        : { ...entry, linkTarget: bytes.slice(linkStart, linkStart + linkLength) },
    );
    at += padded(HEADER + pathLength + (linkLength === NO_LINK ? 0 : linkLength));
  }
  return entries;
}

function recordLength(entry: ObservedEntry): number {
  return padded(HEADER + entry.relPath.length + (entry.linkTarget?.length ?? 0));
}

function padded(length: number): number {
  return (length + 7) & ~7;
}
