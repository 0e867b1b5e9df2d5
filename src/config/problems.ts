/**
 * What the loader reports: every problem found, each tied to a file, a key path and, when known,
 * a line. One format for all of them, so operators and scripts read one shape:
 *
 *   FILE:LINE: KEY.PATH: what is wrong and what would be right
 *   FILE:LINE:COLUMN: syntax error: ...      (followed by the offending line and a caret)
 */
import { IngestError } from '../errors.js';

export interface ConfigProblem {
  readonly file: string;
  /** Where in the merged configuration, e.g. `job[1] (name "scope-2").delete`; "" for the file. */
  readonly keyPath: string;
  readonly line?: number;
  /** Syntax errors only. */
  readonly column?: number;
  readonly message: string;
  /** Syntax errors only: the offending source line. */
  readonly excerpt?: string;
}

export class ConfigError extends IngestError {
  readonly file: string;
  readonly problems: readonly ConfigProblem[];

  constructor(file: string, problems: readonly ConfigProblem[]) {
    super('CONFIG_INVALID', `loading configuration: ${problemSummary(file, problems.length)}`);
    this.file = file;
    this.problems = problems;
  }
}

export function problemSummary(file: string, count: number): string {
  return `${count} ${count === 1 ? 'problem' : 'problems'} in ${file}`;
}

/** One problem as text: one line, or three for a syntax error (the line and a caret under it). */
export function formatProblem(problem: ConfigProblem): string {
  const where = [problem.file, problem.line, problem.column].filter((part) => part !== undefined);
  const subject = problem.keyPath === '' ? '' : `${problem.keyPath}: `;
  const head = `${where.join(':')}: ${subject}${problem.message}`;
  if (problem.excerpt === undefined || problem.line === undefined) return head;
  const gutter = String(problem.line);
  // Tabs stay tabs under the caret so it lines up however the terminal renders them.
  const pad = problem.excerpt.slice(0, (problem.column ?? 1) - 1).replace(/[^\t]/g, ' ');
  return [
    head,
    `  ${gutter} | ${problem.excerpt}`,
    `  ${' '.repeat(gutter.length)} | ${pad}^`,
  ].join('\n');
}
