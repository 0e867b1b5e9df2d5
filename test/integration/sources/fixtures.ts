/** Temporary trees and a collector for the scanner's integration tests. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { displayRelPath, type ObservedEntry } from '../../../src/core/entry.js';
import { scanTree } from '../../../src/sources/scan.js';
import type { DirectoryChunk, ScanOptions } from '../../../src/sources/types.js';

export const NO_EXCLUSIONS: ScanOptions = { exclude: [], excludeTypes: [], followSymlinks: false };

/** A fresh directory under the system temp dir, removed by `dispose`. */
export function tempTree(): { root: string; dispose: () => void } {
  const root = mkdtempSync(join(tmpdir(), 'scan-test-'));
  return { root, dispose: () => rmSync(root, { recursive: true, force: true }) };
}

/** Creates files (content given) and directories (value null) from relative paths. */
export function build(root: string, layout: Record<string, string | null>): void {
  for (const [path, content] of Object.entries(layout)) {
    const abs = join(root, path);
    if (content === null) mkdirSync(abs, { recursive: true });
    else {
      mkdirSync(join(abs, '..'), { recursive: true });
      writeFileSync(abs, content);
    }
  }
}

/** The absolute path of a child given as raw bytes (for names that are not valid UTF-8). */
export function bytePath(root: string, ...elements: Uint8Array[]): Buffer {
  return Buffer.concat([Buffer.from(root), ...elements.flatMap((e) => [Buffer.from('/'), e])]);
}

export async function collect(root: string, options: ScanOptions): Promise<DirectoryChunk[]> {
  const chunks: DirectoryChunk[] = [];
  for await (const chunk of scanTree(root, options)) chunks.push(chunk);
  return chunks;
}

/** Display form of a byte path ('' for the root), for readable assertions. */
export const show = (bytes: Uint8Array): string => displayRelPath(bytes);

/** Every entry of a scan by its display path. */
export function entriesByPath(chunks: DirectoryChunk[]): Map<string, ObservedEntry> {
  return new Map(chunks.flatMap((c) => c.entries.map((e) => [show(e.relPath), e] as const)));
}

/** The directories that got chunks, in order, each once. */
export function scannedDirs(chunks: DirectoryChunk[]): string[] {
  return [...new Set(chunks.map((c) => show(c.dir)))];
}

/** The final chunk of the directory shown as `dir`. */
export function finalChunk(chunks: DirectoryChunk[], dir: string): DirectoryChunk {
  const chunk = chunks.find((c) => show(c.dir) === dir && c.final);
  if (chunk === undefined) throw new Error(`no final chunk for "${dir}"`);
  return chunk;
}
