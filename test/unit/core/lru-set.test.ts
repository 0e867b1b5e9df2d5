import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LruSet } from '../../../src/core/lru-set.js';

describe('LruSet', () => {
  it('forgets the least recently used key beyond its capacity', () => {
    const set = new LruSet<string>(2);
    set.add('a');
    set.add('b');
    assert.equal(set.has('a'), true);
    set.add('c');
    assert.equal(set.has('b'), false);
    assert.equal(set.has('a'), true);
    assert.equal(set.has('c'), true);
    assert.equal(set.size, 2);
  });

  it('removes keys by predicate', () => {
    const set = new LruSet<string>(10);
    for (const key of ['/z/a', '/z/a/b', '/z/ab']) set.add(key);
    set.deleteWhere((key) => key === '/z/a' || key.startsWith('/z/a/'));
    assert.equal(set.has('/z/ab'), true);
    assert.equal(set.size, 1);
  });

  it('refuses a capacity below one', () => {
    assert.throws(() => new LruSet(0), RangeError);
  });
});
