/**
 * Runs one scan and prints its chunks as JSON lines (paths shown as text). The test starts this
 * without root's capabilities, because root reads mode-000 files and directories regardless.
 */
import { displayRelPath } from '../../../src/core/entry.js';
import { scanTree } from '../../../src/sources/scan.js';

const root = process.argv[2]!;
for await (const chunk of scanTree(root, {
  exclude: [],
  excludeTypes: [],
  followSymlinks: false,
})) {
  const line = {
    dir: displayRelPath(chunk.dir),
    entries: chunk.entries.map((e) => ({
      path: displayRelPath(e.relPath),
      type: e.type,
      mode: e.mode,
    })),
    failures: chunk.failures.map((f) => ({ ...f, relPath: displayRelPath(f.relPath) })),
    final: chunk.final,
    complete: chunk.complete,
  };
  console.log(JSON.stringify(line));
}
