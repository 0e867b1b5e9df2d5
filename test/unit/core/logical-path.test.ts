import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  baseName,
  canTravelInQueryString,
  isHeaderSafe,
  isWithin,
  joinPath,
  logicalPathProblem,
  parentPath,
  selfAndAncestors,
} from '../../../src/core/logical-path.js';

describe('logical paths', () => {
  it('finds parents and names', () => {
    assert.equal(parentPath('/tempZone/home/rods/a.txt'), '/tempZone/home/rods');
    assert.equal(parentPath('/tempZone'), '/');
    assert.equal(baseName('/tempZone/home/rods/a b.txt'), 'a b.txt');
    assert.equal(joinPath('/', 'tempZone'), '/tempZone');
    assert.equal(joinPath('/tempZone/home', 'rods'), '/tempZone/home/rods');
  });

  it('lists a path and its ancestors, nearest first', () => {
    assert.deepEqual(selfAndAncestors('/z/a/b'), ['/z/a/b', '/z/a', '/z', '/']);
    assert.deepEqual(selfAndAncestors('/'), ['/']);
  });

  it('tells whether a path lies within another', () => {
    assert.equal(isWithin('/z/a/b', '/z/a'), true);
    assert.equal(isWithin('/z/a', '/z/a'), true);
    assert.equal(isWithin('/z/ab', '/z/a'), false);
    assert.equal(isWithin('/z/a', '/'), true);
  });

  it('refuses paths the server would read differently', () => {
    const table: [string, string | undefined][] = [
      ['/tempZone/home/rods/a.txt', undefined],
      ['/', undefined],
      ['relative/a.txt', 'it is not absolute'],
      ['/tempZone/home/', 'it ends with "/"'],
      ['/tempZone//home', 'it has an empty segment'],
      ['/tempZone/a\0b', 'it contains a NUL character'],
    ];
    for (const [path, problem] of table) assert.equal(logicalPathProblem(path), problem, path);
  });

  it('keeps + out of query strings', () => {
    assert.equal(canTravelInQueryString('/z/a b&c=d%e#f'), true);
    assert.equal(canTravelInQueryString('/z/a+b'), false);
  });

  it('keeps control characters and trailing blanks out of headers', () => {
    const table: [string, boolean][] = [
      ['/z/plain.txt', true],
      ['/z/a+b ünïcødé 漢字.txt', true],
      ['/z/tab\tinside', true],
      ['/z/line\nbreak', false],
      ['/z/carriage\rreturn', false],
      ['/z/bell\x07', false],
      ['/z/del\x7f', false],
      ['/z/trailing space ', false],
      ['/z/trailing tab\t', false],
    ];
    for (const [path, safe] of table) assert.equal(isHeaderSafe(path), safe, JSON.stringify(path));
  });
});
