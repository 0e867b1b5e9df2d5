/**
 * Where a handler module's syntax error is. Node's ESM loader reports one without the file or
 * line, so the module is checked again by a plain Node child (`--check`, after stripping the
 * types of a `.ts`), whose report names the line. The child runs without this process's
 * loaders, so the answer is Node's own, whatever runs the daemon.
 */
import { execFile } from 'node:child_process';

export interface SyntaxProblem {
  /** 1-based; absent when Node did not say. */
  readonly line?: number;
  readonly message: string;
}

const CHECK_LIMIT_MS = 15_000;

// Runs as CommonJS under `node -e`; prints the problem as JSON, or `null` for none.
const CHECKER = `
const { readFileSync } = require('node:fs');
const { spawnSync } = require('node:child_process');
const path = process.argv[1];
const say = (problem) => process.stdout.write(JSON.stringify(problem));
let code = readFileSync(path, 'utf8');
let done = false;
if (path.endsWith('.ts')) {
  try {
    code = require('node:module').stripTypeScriptTypes(code);
  } catch (error) {
    const line = /^:(\\d+)$/m.exec(String(error.stack));
    say({ line: line ? Number(line[1]) : undefined, message: error.message });
    done = true;
  }
}
if (!done) {
  const run = spawnSync(process.execPath, ['--input-type=module', '--check'], {
    input: code,
    encoding: 'utf8',
  });
  if (run.status === 0) say(null);
  else {
    const line = /^\\[stdin\\]:(\\d+)$/m.exec(run.stderr);
    const message = /^SyntaxError: (.*)$/m.exec(run.stderr);
    say({
      line: line ? Number(line[1]) : undefined,
      message: message ? message[1] : run.stderr.trim().split('\\n').pop(),
    });
  }
}
`;

/** The module's syntax error, undefined when it has none (or the check could not tell). */
export async function syntaxProblem(path: string): Promise<SyntaxProblem | undefined> {
  const env = { ...process.env };
  delete env.NODE_OPTIONS;
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--no-warnings', '-e', CHECKER, path],
      { env, timeout: CHECK_LIMIT_MS, encoding: 'utf8' },
      (error, stdout) => {
        if (error !== null) return resolve(undefined);
        try {
          const problem = JSON.parse(stdout) as SyntaxProblem | null;
          resolve(problem ?? undefined);
        } catch {
          resolve(undefined);
        }
      },
    );
  });
}

/** Whether an import failed on the module's text rather than on running it. */
export function looksLikeSyntax(error: unknown): boolean {
  if (error instanceof SyntaxError) return true;
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  return (
    code === 'ERR_INVALID_TYPESCRIPT_SYNTAX' ||
    (typeof message === 'string' && message.startsWith('Transform failed'))
  );
}
