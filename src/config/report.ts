/**
 * The text of `irods-ingestd --check-config`: every problem, one per line (syntax errors with
 * their source line and a caret), then a summary line. main.ts prints it and exits 0 when ok.
 */
import type { Environment, LoadOptions } from './load.js';
import { loadConfig } from './load.js';
import { ConfigError, formatProblem, problemSummary } from './problems.js';

export interface ConfigReport {
  readonly ok: boolean;
  readonly text: string;
}

export async function checkConfigReport(
  file: string,
  env: Environment,
  options: LoadOptions = {},
): Promise<ConfigReport> {
  try {
    const config = await loadConfig(file, env, options);
    const count = config.job.length;
    return {
      ok: true,
      text: `${file}: configuration OK (${count} ${count === 1 ? 'job' : 'jobs'})`,
    };
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return { ok: false, text: problemsText(error) };
  }
}

/** The problems of a config that did not load, as `--check-config` prints them. */
export function problemsText(error: ConfigError): string {
  const lines = error.problems.map(formatProblem);
  lines.push(problemSummary(error.file, error.problems.length));
  return lines.join('\n');
}
