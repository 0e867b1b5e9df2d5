/** The configuration loader's public face. */
export { checkConfigReport, problemsText, type ConfigReport } from './report.js';
export {
  CREDENTIAL_NAMES,
  loadConfig,
  type Config,
  type Environment,
  type LoadOptions,
} from './load.js';
export type { HandlerLoading } from './handler-checks.js';
import type { Config } from './load.js';
/** One validated `[[job]]`, read-only like the rest of the config. */
export type JobConfig = Config['job'][number];
export { ConfigError, formatProblem, type ConfigProblem } from './problems.js';
export { ROLES, LOG_LEVELS } from './schema.js';
export { Secret } from './secret.js';
