import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  checkAttempts,
  checkAvus,
  checkMillis,
  checkOperation,
  checkPhysicalPath,
  checkResource,
  checkTargetPath,
  mergeAvus,
  type Checked,
} from '../../../src/core/policy-results.js';

const problem = <T>(checked: Checked<T>): string | undefined =>
  'problem' in checked ? checked.problem : undefined;
const value = <T>(checked: Checked<T>): T | undefined =>
  'value' in checked ? checked.value : undefined;

describe('what handler policy members may return', () => {
  it('takes operation names that go with the job delete mode', () => {
    assert.equal(value(checkOperation('put', 'keep')), 'put');
    assert.equal(value(checkOperation('none', 'unregister')), 'none');
    assert.equal(
      problem(checkOperation('putt', 'keep')),
      '"putt"; use one of register, register_replica, put, put_sync, put_append, none',
    );
    assert.equal(
      problem(checkOperation('register', 'trash')),
      `"register", which does not go with the job's delete = "trash" (it allows keep, unregister)`,
    );
    assert.match(problem(checkOperation(3, 'keep')) ?? '', /^3; use one of/);
  });

  it('keeps logical paths strictly below the target', () => {
    const target = '/tempZone/home/rods/run';
    const table: [unknown, string | undefined][] = [
      [`${target}/a.txt`, undefined],
      [`${target}/deep/er/a.txt`, undefined],
      [target, `"${target}", which is not below the job's target ${target}`],
      [
        '/tempZone/home/rods/runner/a.txt',
        `"/tempZone/home/rods/runner/a.txt", which is not below the job's target ${target}`,
      ],
      [`${target}/../x`, `"${target}/../x", which has a "." or ".." element`],
      [`${target}//a`, `"${target}//a": it has an empty segment`],
      ['a.txt', '"a.txt": it is not absolute'],
      [42, '42, not a logical path'],
    ];
    for (const [path, expected] of table) {
      assert.equal(problem(checkTargetPath(path, target)), expected, String(path));
    }
  });

  it('checks resources, physical paths, tries and milliseconds', () => {
    assert.equal(value(checkResource('fastResc')), 'fastResc');
    assert.match(problem(checkResource('')) ?? '', /a resource is a non-empty name/);
    assert.match(problem(checkResource('a b')) ?? '', /a resource is a non-empty name/);
    assert.equal(value(checkPhysicalPath('/srv/data/a')), '/srv/data/a');
    assert.equal(problem(checkPhysicalPath('srv/a')), '"srv/a", not an absolute path');
    assert.equal(value(checkAttempts(3)), 3);
    assert.match(problem(checkAttempts(0)) ?? '', /at least 1/);
    assert.match(problem(checkAttempts(1.5)) ?? '', /whole number/);
    assert.equal(value(checkMillis(0, 0)), 0);
    assert.match(problem(checkMillis(0, 1)) ?? '', /at least 1/);
    assert.match(problem(checkMillis(Number.POSITIVE_INFINITY, 0)) ?? '', /milliseconds/);
    assert.match(problem(checkMillis('5s', 0)) ?? '', /^"5s"; expected milliseconds/);
  });

  it('takes AVUs as a table or a list, non-empty', () => {
    assert.deepEqual(value(checkAvus({ a: '1', b: '2' })), [
      { attribute: 'a', value: '1' },
      { attribute: 'b', value: '2' },
    ]);
    assert.deepEqual(value(checkAvus([{ attribute: 'a', value: '1', units: 'mm' }])), [
      { attribute: 'a', value: '1', units: 'mm' },
    ]);
    assert.match(
      problem(checkAvus({ a: '' })) ?? '',
      /attributes and values are non-empty strings/,
    );
    assert.match(problem(checkAvus({ a: 5 })) ?? '', /attributes and values are non-empty strings/);
    assert.match(problem(checkAvus('a=1')) ?? '', /not AVUs/);
  });

  it('merges the job AVUs with the handler ones, the handler winning on an attribute', () => {
    assert.deepEqual(
      mergeAvus({ instrument: 'm1', site: 'A' }, [
        { attribute: 'site', value: 'B' },
        { attribute: 'site', value: 'C' },
        { attribute: 'sample', value: 'S1' },
      ]),
      [
        { attribute: 'instrument', value: 'm1' },
        { attribute: 'site', value: 'B' },
        { attribute: 'site', value: 'C' },
        { attribute: 'sample', value: 'S1' },
      ],
    );
  });
});
