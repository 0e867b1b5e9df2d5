/**
 * The worker side of a job, for the runner in src/sync/ (sync/job-actions.ts says what it needs):
 * its embedded workers, its preflight, its target collection, and the renames its watcher
 * carries over. daemon.ts builds it once, with the daemon's iRODS client and metrics.
 */
import type { JobConfig } from '../config/index.js';
import type { RecordedState } from '../core/decide.js';
import type { HandlerLookup } from '../handlers/registry.js';
import type { IrodsClient } from '../irods/index.js';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics/index.js';
import type { JobStores } from '../state/index.js';
import type { BatchDeps } from './batch.js';
import { WorkerPool, type WorkerPoolDeps } from './pool.js';
import { preflight } from './preflight.js';
import { renameEntry, RENAME_OUTCOMES, type RenameDeps } from './renames.js';
import { ensureTarget } from './target.js';

/** What a job's workers are built from. */
export type WorkerParts = Omit<WorkerPoolDeps, 'batch'> &
  Pick<BatchDeps, 'job' | 'stats' | 'files' | 'deletesRefused' | 'rescan' | 'handlers'> & {
    readonly stores: JobStores;
  };

export function jobActions(client: IrodsClient, metrics: Metrics) {
  return {
    workers: (parts: WorkerParts): WorkerPool => {
      const { connector, keyPrefix, concurrency, queue, logger, stores, ...batch } = parts;
      return new WorkerPool({
        connector,
        keyPrefix,
        concurrency,
        queue,
        logger,
        batch: { ...batch, ...stores, client, logger, metrics },
      });
    },
    preflight: (job: JobConfig): Promise<string[]> => preflight(job, client),
    ensureTarget: (
      job: JobConfig,
      handlers: HandlerLookup | undefined,
      logger: Logger,
    ): Promise<void> => ensureTarget(job, handlers, client, logger),
    rename: async (
      request: Omit<RenameDeps, 'client'> & {
        from: Uint8Array;
        to: Uint8Array;
        state: RecordedState;
      },
    ): Promise<boolean> => {
      const { from, to, state, ...deps } = request;
      const outcome = await renameEntry({ ...deps, client }, { from, to, state });
      return outcome === RENAME_OUTCOMES.renamed;
    },
  };
}
