import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  groupNameProblem,
  parseSocketMode,
  socketModeProblem,
} from '../../../src/core/socket-rules.js';

describe('socket rules', () => {
  it('accepts octal modes that make sense for a socket', () => {
    const table: [string, boolean, RegExp | undefined][] = [
      ['0660', true, undefined],
      ['660', true, undefined],
      ['0600', true, undefined],
      ['0000', true, undefined],
      ['0666', false, undefined],
      ['0666', true, /every local user/],
      ['0662', true, /others read but not write|every local user/],
      ['0640', false, /the group read but not write/],
      ['0664', false, /others read but not write/],
      ['0760', true, undefined],
      ['0888', true, /not a socket mode/],
      ['rw-rw----', true, /not a socket mode/],
      ['01660', true, /not a socket mode/],
    ];
    for (const [text, control, expected] of table) {
      const problem = socketModeProblem(text, control);
      if (expected === undefined) assert.equal(problem, undefined, text);
      else assert.match(problem ?? '', expected, `${text} control=${control}`);
    }
    assert.equal(parseSocketMode('0660'), 0o660);
    assert.equal(parseSocketMode('640'), 0o640);
  });

  it('accepts group names and "" for the daemon group', () => {
    for (const name of ['', 'irods-ingest', 'monitoring', '_ops', 'lab.admins']) {
      assert.equal(groupNameProblem(name), undefined, name);
    }
    for (const name of ['1abc', 'bad group', 'x:y', 'a'.repeat(33)]) {
      assert.match(groupNameProblem(name) ?? '', /not a group name/, name);
    }
  });
});
