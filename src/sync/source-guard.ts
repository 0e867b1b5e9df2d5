/**
 * A job's guard against acting on the wrong source (src/core/source-identity.ts does the
 * judging): at start, state recorded for another (source, target) is dropped, so that the job
 * starts on fresh state and never deletes in the old target; before every pass, the source root
 * is looked at and the pass refused when it is not the recorded one (unmounted, missing, replaced,
 * without its marker); and before every delete batch the same look, so that a source that went
 * away after the pass decided its deletes loses nothing.
 */
import type { JobConfig } from '../config/index.js';
import {
  judgeRoot,
  pairChange,
  ROOT_VERDICTS,
  type RootIdentity,
  type RootLook,
  type RootVerdict,
} from '../core/source-identity.js';
import type { Logger } from '../log.js';
import type { DeleteHolds, FailureStore, FileStateStore, SourceRecords } from '../state/index.js';

export interface SourceGuardDeps {
  readonly job: JobConfig;
  readonly states: FileStateStore;
  readonly failures: FailureStore;
  readonly holds: DeleteHolds;
  readonly records: SourceRecords;
  readonly logger: Logger;
  /** Looks at the source root (and for `marker`, when not ""), as a pass would see it. */
  readonly look: (marker: string) => Promise<RootLook>;
  /** This daemon scans the job, so it recorded the root's identity itself (else: RootFacts.elsewhere). */
  readonly scans: boolean;
}

/** Why passes of the job are refused. */
export interface Refusal {
  readonly reason: string;
  /** ms since the epoch: the first refusal for this reason. */
  readonly since: number;
  /** The root is a directory, only not the recorded one: allow-deletes may accept it. */
  readonly acceptable: boolean;
}

export class SourceGuard {
  readonly #deps: SourceGuardDeps;

  constructor(deps: SourceGuardDeps) {
    this.#deps = deps;
  }

  /**
   * Makes the recorded state the job's: state recorded for another source or target is dropped
   * (the old collection is left as it is, and a warning says so).
   */
  async claimPair(): Promise<void> {
    const { job, records, states, failures, holds, logger } = this.#deps;
    const pair = { source: job.source, target: job.target };
    const recorded = await records.read();
    const change = pairChange(job.name, recorded, pair);
    if (recorded !== undefined && change === undefined) return;
    if (change !== undefined) {
      logger.warn(change, { job: job.name });
      await states.forgetAll();
      await failures.clearAll();
      await holds.clear();
    }
    await records.writePair(pair);
  }

  /** Looks at the source root and judges it against the recorded identity. */
  async #judge(): Promise<RootVerdict> {
    const { job, records, states } = this.#deps;
    const [look, record, tracked] = await Promise.all([
      this.#deps.look(job.source_marker),
      records.read(),
      states.trackedCount(),
    ]);
    return judgeRoot({
      source: job.source,
      marker: job.source_marker,
      recorded: record?.identity,
      tracked,
      look,
    });
  }

  /**
   * Looks at the source root before a pass: the refusal, or undefined when the pass may run (the
   * root's identity is recorded on the way while the job tracks nothing).
   */
  async check(since: number): Promise<Refusal | undefined> {
    const { job, records } = this.#deps;
    const verdict = await this.#judge();
    if (verdict.kind === ROOT_VERDICTS.record) {
      await records.writeIdentity(verdict.identity);
      const { previous, identity } = verdict;
      if (previous !== undefined) {
        this.#deps.logger.info(
          `job ${job.name}: the source root ${job.source} is on device ${identity.dev}, inode ${identity.ino} now (was ${previous.dev}, ${previous.ino}); its marker ${job.source_marker} is there, so it is recorded as the job's root`,
          { job: job.name },
        );
      }
    }
    if (verdict.kind !== ROOT_VERDICTS.refuse) return undefined;
    return { reason: verdict.reason, since, acceptable: verdict.acceptable !== undefined };
  }

  /** Why deletes may not run now, or undefined when the root is still the recorded one. */
  async deletesRefused(): Promise<string | undefined> {
    const { job, records } = this.#deps;
    const [record, look] = await Promise.all([records.read(), this.#deps.look(job.source_marker)]);
    // A worker host's own [[job]] may reach the source under another path (job-follower.ts).
    const sourceMoved = this.#deps.scans && record?.source !== job.source;
    if (record === undefined || sourceMoved || record.target !== job.target) {
      return "the recorded state does not belong to the job's source and target yet";
    }
    if (record.identity === undefined) return 'the source root has not been recorded yet';
    const verdict = judgeRoot({
      source: job.source,
      marker: job.source_marker,
      recorded: record.identity,
      tracked: 1,
      look,
      elsewhere: !this.#deps.scans,
    });
    return verdict.kind === ROOT_VERDICTS.refuse ? verdict.reason : undefined;
  }

  /**
   * allow-deletes on a refused root that is a directory, only not the recorded one: records it
   * as the job's root. Returns its identity, or undefined when the root is not acceptable now.
   */
  async accept(): Promise<RootIdentity | undefined> {
    const { job, records, logger } = this.#deps;
    const verdict = await this.#judge();
    if (verdict.kind !== ROOT_VERDICTS.refuse || verdict.acceptable === undefined) return undefined;
    await records.writeIdentity(verdict.acceptable);
    logger.warn(
      `job ${job.name}: the source root ${job.source} (device ${verdict.acceptable.dev}, inode ${verdict.acceptable.ino}) was accepted as the job's on request`,
      { job: job.name },
    );
    return verdict.acceptable;
  }
}
