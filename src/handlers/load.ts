/**
 * Importing a handler module and checking what it exports. Each load gets a URL of its own
 * (`?load=N`), so that a reload runs the module's current text instead of Node's cached copy;
 * modules the handler itself imports stay cached until the daemon restarts.
 *
 * Whether the file may be trusted (who could change it) is checked before this, by the config
 * loader (config/trusted-path.ts): importing runs the module's code.
 */
import { pathToFileURL } from 'node:url';
import { callWithin } from './call.js';
import { checkMembers } from './members.js';
import { looksLikeSyntax, syntaxProblem } from './syntax.js';
import type { Handler } from './types.js';

/** Longest an import may take (a top-level await that never settles). */
const IMPORT_LIMIT_MS = 30_000;

export type ImportResult = { handler: Handler } | { problems: string[] };

/**
 * Imports the module at `path` (absolute, resolved) as load number `load`: its handler, or
 * what is wrong with it, each problem starting with the path.
 */
export async function importHandler(path: string, load: number): Promise<ImportResult> {
  const url = `${pathToFileURL(path).href}?load=${load}`;
  let exported: unknown;
  try {
    const module = await callWithin(
      'import',
      () => import(url) as Promise<Record<string, unknown>>,
      IMPORT_LIMIT_MS,
    );
    exported = module.default;
  } catch (error) {
    return { problems: [await importProblem(path, url, error)] };
  }
  const checked = checkMembers(exported);
  if ('problems' in checked) {
    return { problems: checked.problems.map((problem) => `${path}: ${problem}`) };
  }
  return checked;
}

async function importProblem(path: string, url: string, error: unknown): Promise<string> {
  const cause = (error as { cause?: unknown }).cause ?? error;
  if (looksLikeSyntax(cause)) {
    const syntax = await syntaxProblem(path);
    if (syntax !== undefined) {
      const where = syntax.line === undefined ? path : `${path}:${syntax.line}`;
      return `${where}: syntax error: ${syntax.message}`;
    }
  }
  if ((error as { code?: unknown }).code === 'HANDLER_TIMED_OUT') {
    return `${path}: importing it did not finish within ${IMPORT_LIMIT_MS / 1000} s (a top-level await that never settles?)`;
  }
  const line = lineIn(cause, url);
  const where = line === undefined ? path : `${path}:${line}`;
  return `${where}: importing it failed: ${describe(cause)}`;
}

/** "TypeError: x is not a function", or what was thrown when it is not an Error. */
function describe(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return `it threw ${typeof error === 'string' ? JSON.stringify(error) : String(error)}`;
}

/** The line of the module's own frame in the error's stack, when there is one. */
function lineIn(error: unknown, url: string): number | undefined {
  const stack = error instanceof Error ? error.stack : undefined;
  if (stack === undefined) return undefined;
  const at = stack.indexOf(`${url}:`);
  if (at < 0) return undefined;
  const line = /^(\d+)/.exec(stack.slice(at + url.length + 1));
  return line === null ? undefined : Number(line[1]);
}
