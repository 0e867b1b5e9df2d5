import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkMembers, MEMBER_NAMES } from '../../../src/handlers/members.js';

const problemsOf = (exported: unknown): string[] => {
  const checked = checkMembers(exported);
  return 'problems' in checked ? checked.problems : [];
};

describe('handler members', () => {
  it('accepts every known member, each optional', () => {
    const all = Object.fromEntries(MEMBER_NAMES.map((name) => [name, () => undefined]));
    assert.deepEqual(problemsOf(all), []);
    assert.deepEqual(problemsOf({}), []);
  });

  it('names an unknown member and the nearest known one', () => {
    assert.deepEqual(problemsOf({ preDataObjCreat() {}, posPass() {} }), [
      'unknown member "preDataObjCreat" (did you mean "preDataObjCreate"?)',
      'unknown member "posPass" (did you mean "postPass"?)',
    ]);
    assert.match(
      problemsOf({ notify() {} })[0] ?? '',
      /^unknown member "notify" \(the members are operation, /,
    );
  });

  it('refuses members that are not functions, and exports that are not objects', () => {
    assert.deepEqual(problemsOf({ operation: 'put', timeout: 5 }), [
      'member "operation" is a string ("put"), not a function',
      'member "timeout" is a number (5), not a function',
    ]);
    assert.deepEqual(problemsOf(undefined), [
      'has no default export (write `export default { ... }`)',
    ]);
    assert.deepEqual(
      problemsOf(() => 'put'),
      ['its default export is a function, not an object of policy members and hooks'],
    );
    assert.deepEqual(problemsOf(['put']), [
      'its default export is an array, not an object of policy members and hooks',
    ]);
  });

  it('takes the methods of a class instance', () => {
    class Site {
      operation() {
        return 'put';
      }
      helper() {
        return 1;
      }
    }
    assert.deepEqual(problemsOf(new Site()), [
      'unknown member "helper" (the members are ' + MEMBER_NAMES.join(', ') + ')',
    ]);
  });
});
