import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { globProblem } from '../../../src/core/glob-check.js';

describe('exclude glob checks', () => {
  it('accepts relative globs and refuses malformed ones', () => {
    const table: [string, string | undefined][] = [
      ['**/*.tmp', undefined],
      ['**/.*', undefined],
      ['run-{1,2}/*.raw', undefined],
      ['[]]x', undefined],
      ['[!]]x', undefined],
      ['a\\[b', undefined],
      ['', 'is empty'],
      [
        '/data/**',
        'is absolute; exclude globs match the path relative to the source (e.g. "**/*.tmp")',
      ],
      ['[abc', 'has a "[" without a matching "]"'],
      ['run-{1,2', 'has a "{" without a matching "}"'],
      ['run-1}', 'has a "}" without a matching "{"'],
      ['a\\', 'ends with a lone "\\"'],
    ];
    for (const [pattern, problem] of table) assert.equal(globProblem(pattern), problem, pattern);
  });
});
