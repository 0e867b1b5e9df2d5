/**
 * Structural checks for exclude globs. They match paths relative to a job's source, so the
 * checks refuse what no glob engine could match there (absolute or empty patterns) and what
 * every engine reads differently from what the author meant (unbalanced brackets or braces, a
 * dangling escape).
 */

/** Why `pattern` is not a usable exclude glob, or undefined when it is. */
export function globProblem(pattern: string): string | undefined {
  if (pattern === '') return 'is empty';
  if (pattern.includes('\0')) return 'contains a NUL character';
  if (pattern.startsWith('/')) {
    return 'is absolute; exclude globs match the path relative to the source (e.g. "**/*.tmp")';
  }
  return bracketProblem(pattern);
}

function bracketProblem(pattern: string): string | undefined {
  let braces = 0;
  let inClass = false;
  for (let i = 0; i < pattern.length; i += 1) {
    const char = pattern[i];
    if (char === '\\') {
      if (i === pattern.length - 1) return 'ends with a lone "\\"';
      i += 1;
    } else if (inClass) {
      // "]" right after "[" or "[!" is a literal member of the class, not its end.
      const opener = pattern[i - 1] === '[' || (pattern[i - 1] === '!' && pattern[i - 2] === '[');
      if (char === ']' && !opener) inClass = false;
    } else if (char === '[') {
      inClass = true;
    } else if (char === '{') {
      braces += 1;
    } else if (char === '}') {
      if (braces === 0) return 'has a "}" without a matching "{"';
      braces -= 1;
    }
  }
  if (inClass) return 'has a "[" without a matching "]"';
  if (braces > 0) return 'has a "{" without a matching "}"';
  return undefined;
}
