/**
 * What a `chmod -R` over a synced tree costs (issue 13): it moves every file's ctime, and each
 * ctime-only change is resolved by comparing the file's content with the object's checksum.
 *
 * A `put_sync` job (checksum "none", as by default) uploads the generated tree, then passes on
 * request (`irods-ingestctl rescan`), timed by its pass summaries:
 *
 * - a no-change rescan of the synced tree: the baseline, run before and after the re-checks;
 * - after a `chmod -R`: every file is read and hashed, and iRODS computes each object's checksum
 *   (uploads clear it, and checksum "none" never asks for one);
 * - after a second `chmod -R`: the checksums are in the catalog now, so each batch asks iRODS
 *   for them in a few GenQuery pages and the files are read and hashed.
 *
 * Both re-checks must send no bytes and update nothing (else the benchmark fails). Rates are
 * files per second; the iRODS requests per re-checked file are shown next to the one stat per
 * file a plain lookup would cost.
 */
import { spawnSync } from 'node:child_process';
import type { TestEmulator } from '../helpers/emulator.js';
import { startRedis } from '../helpers/redis.js';
import { startBenchDaemon, type BenchDaemon, type PassEvent } from './daemon.js';
import type { BenchRow } from './measure.js';
import type { GeneratedTree } from './tree.js';

export interface RecheckBenchOptions {
  tree: GeneratedTree;
  workDir: string;
  workers: number;
  emulator: TestEmulator;
}

const home = '/tempZone/home/rods';

export async function benchRecheck(o: RecheckBenchOptions): Promise<BenchRow[]> {
  const redis = await startRedis({ persistence: true });
  let daemon: BenchDaemon | undefined;
  try {
    daemon = await startBenchDaemon({
      workDir: o.workDir,
      irodsUrl: o.emulator.url,
      redisUrl: redis.url,
      workers: o.workers,
      job: {
        source: o.tree.root,
        target: `${home}/bench-recheck`,
        operation: 'put_sync',
        rescanInterval: '1h',
      },
    });
    const run = new Passes(daemon, o.emulator);
    const upload = await run.next(false);
    if (upload.event.failed > 0) throw new Error(`put_sync: ${upload.event.failed} files failed`);
    const before = await run.next();
    chmodTree(o.tree.root, '640', '750');
    const computed = await run.next();
    chmodTree(o.tree.root, '600', '700');
    const stored = await run.next();
    const afterwards = await run.next();
    for (const { event } of [computed, stored]) {
      if (event.updated > 0 || event.new > 0 || event.failed > 0 || event.bytes !== 0) {
        throw new Error(`a re-check pass moved data or failed: ${JSON.stringify(event)}`);
      }
    }
    const files = o.tree.files;
    const rate = (pass: Pass) => files / (pass.event.durationMs / 1000);
    const rescan = {
      name: 'no-change rescan of the same tree (mean of 2)',
      value: (rate(before) + rate(afterwards)) / 2,
    };
    return [
      {
        name: `chmod -R re-check, iRODS computes the checksums (${files} files)`,
        value: rate(computed),
        unit: 'files/s',
        baseline: rescan,
      },
      {
        name: `chmod -R re-check, checksums in the catalog (${files} files)`,
        value: rate(stored),
        unit: 'files/s',
        baseline: rescan,
      },
      {
        name: 'chmod -R re-check, iRODS requests per file (checksums in the catalog)',
        value: stored.requests / files,
        unit: 'req/file',
        baseline: { name: 'a stat per file', value: 1 },
      },
    ];
  } finally {
    await daemon?.stop();
    await redis.stop();
  }
}

interface Pass {
  event: PassEvent & { bytes?: number };
  /** iRODS requests the emulator served during the pass. */
  requests: number;
}

/** The job's passes one after the other: the first one starts with the daemon. */
class Passes {
  readonly #daemon: BenchDaemon;
  readonly #emulator: TestEmulator;
  #pass = 0;

  constructor(daemon: BenchDaemon, emulator: TestEmulator) {
    this.#daemon = daemon;
    this.#emulator = emulator;
  }

  async next(request = true): Promise<Pass> {
    const pass = ++this.#pass;
    const start = (await this.#emulator.stats()).requests!;
    if (request) await this.#daemon.rescan();
    const event = await this.#daemon.passDone(pass);
    const requests = (await this.#emulator.stats()).requests! - start;
    return { event, requests };
  }
}

/** `chmod -R` with the given modes for files and directories (`find -exec chmod {} +`). */
function chmodTree(root: string, fileMode: string, dirMode: string): void {
  for (const [type, mode] of [
    ['f', fileMode],
    ['d', dirMode],
  ] as const) {
    const done = spawnSync('find', [root, '-type', type, '-exec', 'chmod', mode, '{}', '+']);
    if (done.status !== 0) throw new Error(`chmod of the tree failed: ${done.stderr.toString()}`);
  }
}
