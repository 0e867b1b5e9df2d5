/**
 * The config a reload applies: the config files read and validated again, with the ad-hoc jobs
 * the daemon keeps (their handlers loaded into the reload's round too); or the problems that
 * refuse the reload, formatted as --check-config prints them.
 */
import { AdhocConflict, type AdhocJobs } from './adhoc-jobs.js';
import {
  ConfigError,
  loadConfig,
  problemsText,
  type Config,
  type Environment,
} from './config/index.js';
import type { HandlerRound } from './handlers/registry.js';

export async function reloadedConfig(
  configFile: string,
  env: Environment,
  round: HandlerRound,
  adhoc: AdhocJobs | undefined,
): Promise<{ config: Config } | { problems: string[] }> {
  try {
    const files = await loadConfig(configFile, env, { handlers: round });
    const config = adhoc?.keptIn(files) ?? files;
    await loadKeptHandlers(round, config, files);
    return { config };
  } catch (error) {
    if (!(error instanceof ConfigError) && !(error instanceof AdhocConflict)) throw error;
    const problems =
      error instanceof AdhocConflict
        ? error.problems
        : problemsText(error)
            .split('\n')
            .filter((line) => line !== '');
    return { problems };
  }
}

/**
 * Loads into a reload's `round` the handlers of the ad-hoc jobs it keeps (`kept` less the files'
 * jobs): installing the round would drop them otherwise. Throws AdhocConflict when one no longer
 * loads.
 */
async function loadKeptHandlers(round: HandlerRound, kept: Config, files: Config): Promise<void> {
  const fromFiles = new Set(files.job.map((job) => job.name));
  const problems: string[] = [];
  for (const job of kept.job) {
    if (fromFiles.has(job.name) || job.handler === '' || round.loaded.has(job.handler)) continue;
    const found = await round.load(job.handler, job.handler);
    problems.push(...found.map((problem) => `ad-hoc job ${job.name}: job.handler: ${problem}`));
  }
  if (problems.length > 0) throw new AdhocConflict(problems);
}
