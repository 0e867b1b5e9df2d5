/**
 * The compiled form of a job's exclusions: globs on the relative path and entry types.
 *
 * Globs see the path as text. Names that are not valid UTF-8 are decoded with U+FFFD in place of
 * each invalid byte, so wildcards still match them while a literal pattern never matches bytes it
 * cannot spell. A directory is tested both as `a/b` and as `a/b/`: a pattern that ends in a slash
 * therefore excludes directories only, as in .gitignore, and `cache/**` excludes the directory
 * `cache` itself, so the walk never descends into it.
 */
import picomatch from 'picomatch';
import type { EntryType } from '../core/entry.js';
import type { ExcludeType } from '../core/job-rules.js';

export interface Exclusion {
  /** False when there are no globs: the walk then need not build path text at all. */
  readonly usesPaths: boolean;
  excludesType(type: EntryType): boolean;
  /** Whether a glob matches the entry at relative path `text` (see above for directories). */
  excludesPath(text: string, isDirectory: boolean): boolean;
}

export function compileExclusion(
  patterns: readonly string[],
  types: readonly ExcludeType[],
): Exclusion {
  const excludedTypes = new Set<EntryType>(types);
  const excludesType =
    excludedTypes.size === 0 ? () => false : (type: EntryType) => excludedTypes.has(type);
  if (patterns.length === 0) {
    return { usesPaths: false, excludesType, excludesPath: () => false };
  }
  const matches = picomatch([...patterns], { dot: true });
  return {
    usesPaths: true,
    excludesType,
    excludesPath: (text, isDirectory) => matches(text) || (isDirectory && matches(`${text}/`)),
  };
}

/** The text a glob sees for `name` inside the directory whose text is `dirText`. */
export function childText(dirText: string, name: Buffer): string {
  const text = name.toString('utf8');
  return dirText === '' ? text : `${dirText}/${text}`;
}
