/**
 * Reading and parsing the TOML files: the main file and `conf.d/*.toml` beside it. Syntax errors
 * become problems with line, column and the offending line.
 */
import { readdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { parse as parseToml } from 'toml';
import type { Table } from './merge.js';
import type { ConfigProblem } from './problems.js';
import { describeFsError } from './secret-files.js';

export interface SourceFile {
  readonly file: string;
  readonly text: string;
  readonly data: Table;
}

export type ReadResult = { readonly source: SourceFile } | { readonly problem: ConfigProblem };

export async function readTomlFile(file: string): Promise<ReadResult> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    return {
      problem: { file, keyPath: '', message: `configuration file ${describeFsError(error)}` },
    };
  }
  try {
    return { source: { file, text, data: parseToml(text) as Table } };
  } catch (error) {
    return { problem: syntaxProblem(file, text, error) };
  }
}

/** The drop-in files for `mainFile`, in lexical (byte) order; none when conf.d does not exist. */
export async function listDropIns(
  mainFile: string,
): Promise<{ files: string[]; problem?: ConfigProblem }> {
  const directory = join(dirname(mainFile), 'conf.d');
  let names: string[];
  try {
    names = await readdir(directory);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { files: [] };
    return {
      files: [],
      problem: {
        file: directory,
        keyPath: '',
        message: `drop-in directory ${describeFsError(error)}`,
      },
    };
  }
  // Hidden files are editor leftovers and the like, never intended drop-ins.
  const chosen = names.filter((name) => name.endsWith('.toml') && !name.startsWith('.'));
  chosen.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return { files: chosen.map((name) => join(directory, name)) };
}

interface PeggyExpectation {
  readonly type: string;
  readonly text?: string;
}

interface TomlError {
  readonly message: string;
  readonly line?: number;
  readonly column?: number;
  readonly location?: { readonly start: { readonly line: number; readonly column: number } };
  readonly found?: string | null;
  readonly expected?: readonly PeggyExpectation[];
}

function syntaxProblem(file: string, text: string, error: unknown): ConfigProblem {
  const failure = error as TomlError;
  const line = failure.location?.start.line ?? failure.line ?? 1;
  const column = failure.location?.start.column ?? failure.column ?? 1;
  const excerpt = text.split(/\r?\n/)[line - 1] ?? '';
  const message =
    failure.location === undefined ? ownWords(failure.message) : grammarMessage(failure);
  return { file, keyPath: '', line, column, message: `syntax error: ${message}`, excerpt };
}

/** The TOML compiler's own messages ("Cannot redefine existing key 'x'.") in our register. */
function ownWords(message: string): string {
  const trimmed = message.replace(/\.$/, '');
  return trimmed.charAt(0).toLowerCase() + trimmed.slice(1);
}

/**
 * The grammar's "Expected A, B, ... or Z but X found" lists dozens of tokens; operators need what
 * was found and the one or two things that would fit there.
 */
function grammarMessage(failure: TomlError): string {
  const found =
    failure.found === null || failure.found === undefined
      ? 'end of file'
      : failure.found === '\n' || failure.found === '\r'
        ? 'end of line'
        : JSON.stringify(failure.found);
  const literals = new Set(
    (failure.expected ?? []).map((item) => item.text).filter((text) => text !== undefined),
  );
  const wanted = literals.has('true')
    ? ['a value']
    : ['=', ',', ']', ']]', '}']
        .filter((token) => literals.has(token))
        .map((token) => `"${token}"`);
  if (wanted.length === 0 && literals.has('\n')) wanted.push('end of line');
  return wanted.length === 0
    ? `unexpected ${found}`
    : `unexpected ${found}, expected ${wanted.join(' or ')}`;
}
