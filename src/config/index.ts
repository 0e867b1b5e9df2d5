/** The configuration loader's public face. */
export { checkConfigReport, type ConfigReport } from './report.js';
export { CREDENTIAL_NAMES, loadConfig, type Config, type Environment } from './load.js';
export { ConfigError, formatProblem, type ConfigProblem } from './problems.js';
export { ROLES, LOG_LEVELS, type JobConfig } from './schema.js';
export { Secret } from './secret.js';
