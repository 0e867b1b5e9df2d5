import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  irodsUrlProblem,
  listenAddressProblem,
  redisUrlProblem,
  parseRedisNode,
  redisNodeProblem,
} from '../../../src/core/endpoint-rules.js';
import { closestWord } from '../../../src/core/suggest.js';
import { deepFreeze } from '../../../src/core/deep-freeze.js';

describe('endpoint rules', () => {
  it('accepts Redis URLs without passwords', () => {
    const table: [string, boolean][] = [
      ['embedded', true],
      ['redis://localhost:6379/0', true],
      ['rediss://user@redis.example.org:6380', true],
      ['unix:///run/redis/redis.sock', true],
      ['redis://:hunter2@localhost:6379', false],
      ['redis://user:hunter2@localhost', false],
      ['http://localhost:6379', false],
      ['localhost:6379', false],
    ];
    for (const [url, ok] of table) assert.equal(redisUrlProblem(url) === undefined, ok, url);
    assert.ok(!(redisUrlProblem('redis://:hunter2@h') ?? '').includes('hunter2'));
  });

  it('wants the iRODS HTTP API URL with its version prefix', () => {
    assert.equal(irodsUrlProblem('http://irods:9000/irods-http-api/0.7.0'), undefined);
    assert.equal(irodsUrlProblem('https://irods/api/'), undefined);
    assert.match(irodsUrlProblem('http://irods:9000') ?? '', /has no API path/);
    assert.match(irodsUrlProblem('ftp://irods/x') ?? '', /http:\/\/ or https:\/\//);
    assert.match(irodsUrlProblem('http://u:p@irods/x') ?? '', /credentials/);
  });

  it('accepts host:port listen addresses or nothing', () => {
    const table: [string, boolean][] = [
      ['', true],
      ['127.0.0.1:9464', true],
      ['[::1]:9464', true],
      ['metrics.local:80', true],
      ['9464', false],
      [':9464', false],
      ['127.0.0.1:0', false],
      ['127.0.0.1:70000', false],
    ];
    for (const [listen, ok] of table)
      assert.equal(listenAddressProblem(listen) === undefined, ok, listen);
  });
});

describe('Redis node addresses', () => {
  it('reads host:port, IPv6 in brackets, and refuses the rest', () => {
    assert.deepEqual(parseRedisNode('redis-1.example.org:6379'), {
      host: 'redis-1.example.org',
      port: 6379,
    });
    assert.deepEqual(parseRedisNode('[2001:db8::1]:26379'), { host: '2001:db8::1', port: 26379 });
    for (const bad of ['redis-1', ':6379', 'h:0', 'h:65536', 'user:pw@h:6379', 'redis://h:6379']) {
      assert.equal(parseRedisNode(bad), undefined, bad);
      assert.match(redisNodeProblem(bad) ?? '', /is not host:port/, bad);
    }
  });
});

describe('small helpers', () => {
  it('suggests a close key and nothing for a far one', () => {
    const keys = ['workers', 'role', 'log_level', 'state_dir'];
    assert.equal(closestWord('worker', keys), 'workers');
    assert.equal(closestWord('loglevel', keys), 'log_level');
    assert.equal(closestWord('rloe', keys), 'role');
    assert.equal(closestWord('threads', keys), undefined);
  });

  it('freezes nested objects and arrays', () => {
    const value = deepFreeze({ a: { b: [1, { c: 2 }] } });
    assert.ok(Object.isFrozen(value.a.b));
    assert.ok(Object.isFrozen(value.a.b[1]));
  });
});
