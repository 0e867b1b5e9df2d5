/**
 * Adoption (issue 17): the daemon on a fresh Redis over a tree iRODS already holds, its first
 * put_sync pass adopting every file (size and mtime found in bulk, one GenQuery per collection
 * page, no byte sent). Its files/s are compared with two figures of the same daemon in the same
 * run: the no-change rescan of that tree (what a pass costs when the state is known: the floor
 * adoption cannot beat, as it does that pass's work plus the lookups and the records), and the
 * register rate of the tree (one registration and one touch per file: the cheapest first pass
 * that writes to iRODS).
 *
 * The tree is ingested once by a put_sync job that then passes again RESCANS times (the rescans);
 * a second daemon on a new redis-server makes the adoption pass; a third registers the tree into
 * another collection.
 */
import { startEmulator } from '../helpers/emulator.js';
import type { PassEvent } from './daemon.js';
import { median, type BenchRow } from './measure.js';
import { runJob } from './sync.js';
import type { GeneratedTree } from './tree.js';

export interface AdoptBenchOptions {
  tree: GeneratedTree;
  workDir: string;
  workers: number;
}

const home = '/tempZone/home/rods';
const RESCANS = 3;

export async function benchAdopt(o: AdoptBenchOptions): Promise<BenchRow[]> {
  const emulator = await startEmulator();
  try {
    const job = {
      source: o.tree.root,
      target: `${home}/bench-adopt`,
      operation: 'put_sync',
    };
    const ingest = await runJob(o, emulator, 1 + RESCANS, { ...job, rescanInterval: '1s' });
    const writes = (await emulator.stats()).data_writes!;
    const adopt = await runJob(o, emulator, 1, { ...job, rescanInterval: '0' });
    const rewritten = (await emulator.stats()).data_writes! - writes;
    const register = await runJob(o, emulator, 1, {
      source: o.tree.root,
      target: `${home}/bench-adopt-register`,
      operation: 'register',
      rescanInterval: '0',
    });
    const filesPerSec = (pass: PassEvent) => o.tree.files / (pass.durationMs / 1000);
    const [adopted] = adopt.passes as [PassEvent];
    // Its directories count as new (their collections are made sure of); no file may be sent.
    if (rewritten > 0) throw new Error(`the adoption pass wrote ${rewritten} times to iRODS`);
    const rescans = ingest.passes.slice(1).map(filesPerSec);
    const [registered] = register.passes as [PassEvent];
    const adoption = {
      name: `daemon adoption, put_sync on a fresh Redis (${o.tree.files} files in iRODS)`,
      value: filesPerSec(adopted),
      unit: 'files/s',
    };
    return [
      {
        ...adoption,
        baseline: { name: `no-change rescan (median of ${RESCANS})`, value: median(rescans) },
      },
      { ...adoption, baseline: { name: 'register pass', value: filesPerSec(registered) } },
    ];
  } finally {
    await emulator.stop();
  }
}
