/**
 * What an event handler costs the daemon (issue 16): the `register` rate of a job whose handler
 * has a no-op `metadata()` and `preDataObjCreate` (called for every file: the policy and hook
 * machinery with nothing of the site's in it), against the same job without a handler. The two
 * alternate (without, with, without, with), each on a fresh target of the same tree and emulator,
 * and each side's figure is the mean of its runs: this machine's speed drifts over minutes, and
 * alternating shares the drift between the sides. The goal: the two differ by less than 10%.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startEmulator } from '../helpers/emulator.js';
import type { PassEvent } from './daemon.js';
import type { BenchRow } from './measure.js';
import { runJob, type SyncBenchOptions } from './sync.js';
import type { GeneratedTree } from './tree.js';

export interface HandlerBenchOptions extends Pick<SyncBenchOptions, 'workDir' | 'workers'> {
  /** The tree both sides register (BENCH_REGISTER_FILES): fixed costs cancel between them. */
  tree: GeneratedTree;
}

const home = '/tempZone/home/rods';
/** Runs of each side. */
const ROUNDS = 2;

export async function benchHandlerCost(o: HandlerBenchOptions): Promise<BenchRow[]> {
  const handler = join(o.workDir, 'no-op-handler.mjs');
  await writeFile(
    handler,
    'export default {\n  metadata: () => ({}),\n  async preDataObjCreate() {},\n};\n',
  );
  const emulator = await startEmulator();
  try {
    const rates = { without: [] as number[], with: [] as number[] };
    for (let round = 0; round < ROUNDS; round++) {
      for (const side of ['without', 'with'] as const) {
        const run = await runJob(o, emulator, 1, {
          source: o.tree.root,
          target: `${home}/bench-handler-${side}-${round}`,
          operation: 'register',
          rescanInterval: '0',
          ...(side === 'with' ? { handler } : {}),
        });
        const [pass] = run.passes as [PassEvent];
        rates[side].push(o.tree.files / (pass.durationMs / 1000));
      }
    }
    const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
    return [
      {
        name: `daemon register with a no-op handler (metadata + preDataObjCreate), mean of ${ROUNDS}`,
        value: mean(rates.with),
        unit: 'files/s',
        baseline: { name: `without a handler, mean of ${ROUNDS}`, value: mean(rates.without) },
        goal: '0.90x to 1.10x',
      },
    ];
  } finally {
    await emulator.stop();
  }
}
